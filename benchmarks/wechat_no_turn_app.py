"""The real app's POST /wechat with the dialog turn replaced by a fixed answer (for benchmarks/wechat_turn.py).

Everything the served app does for a push except the turn itself: Flask and its extensions'
request hooks (rate limiter, request log, security headers, session), the signature, size and
DTD checks, wechatpy's parser and the XML reply. No database work, no NLU, no engine. Its
requests/s against the bare endpoint say how much of the target the app's own request handling
already uses before a turn does anything (the floor, benchmarks/wechat_floor_app.py, says what the
least database work costs on top of a bare Flask app).

Run by the benchmark as: gunicorn --chdir benchmarks wechat_no_turn_app:app  (same environment as wsgi:app)
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.services.wechat import wechat_messages  # noqa: E402
from wsgi import app  # noqa: E402,F401  (the served app, exactly as `gunicorn wsgi:app` builds it)

# The endpoint calls wechat_messages.answer(message) for a verified, parsed push.
wechat_messages.answer = lambda message: wechat_messages.Answer("好的")
