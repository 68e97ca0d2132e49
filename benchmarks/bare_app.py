"""The baseline for benchmarks/dialog_turn.py: a bare Flask app with one POST route.

It does what every request of the dialog API does at the HTTP level (read the
Authorization header, parse a JSON body, answer a small JSON document) and
nothing else: no database, no auth check, no NLU, no logging. Served by gunicorn
with the same settings as the real app, its throughput is the ceiling the
dialog turn is compared with.

Run by the benchmark as: gunicorn --chdir benchmarks bare_app:app
"""
from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)
app.json.ensure_ascii = False


@app.post("/api/v1/dialog/messages")
def post_message():
    """Parse the JSON body and answer a reply of the dialog API's shape."""
    body = request.get_json(silent=True) or {}
    token = request.headers.get("Authorization", "")
    return jsonify({
        "reply": "好的", "messages": [], "choices": [], "state": "idle", "flow": None, "version": 1,
        "large_text": False, "language": "zh_CN", "filing": None, "repeated": False,
        "echo": {"has_token": token.startswith("Bearer "), "keys": sorted(body)},
    })


@app.get("/healthz")
def healthz():
    """Answer that the process is up (the benchmark waits on it)."""
    return {"status": "ok"}
