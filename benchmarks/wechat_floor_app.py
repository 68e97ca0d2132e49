"""The floor for benchmarks/wechat_turn.py: the bare endpoint plus the least a deduplicated, persisted WeChat turn must do.

Like `bare_app` in wechat_turn.py it reads the pushed body and answers a text reply in XML; in
addition it does what no implementation of the official-account endpoint can skip:

  * verify WeChat's query signature (sha1 of the sorted token, timestamp and nonce, compared
    in constant time; 403 otherwise), refuse a body over 64 KB or one with a DTD or entity
    declaration (400), parse it with wechatpy's parse_message;
  * in ONE transaction: record the message's dedup key (`msg:<MsgId>`) in a table whose
    primary key refuses a second copy (WeChat re-sends a message it got no answer to within
    5 seconds: a retry must not run the turn again, so it answers "success" and rolls back),
    read the follower's session row (version, state JSON), write it back under the optimistic
    lock (`UPDATE ... WHERE version = ?`), commit: the message and the turn it caused land
    together or not at all;
  * render the reply with wechatpy's TextReply.

It uses the raw driver (sqlite3 or psycopg) on one connection per worker, opened after gunicorn
forks (benchmarks/floor_app.py's helper: SQLite in WAL with synchronous=NORMAL, timeout 10 s),
with no ORM, no identity lookup, no NLU, no engine and no reply catalogue, so any real WeChat turn
costs at least this much.

The checks are backend/services/wechat/wechat_xml.py's own functions (the real endpoint's), loaded from
the file by path: importing them as `backend.services.wechat.wechat_xml` would run backend/__init__.py and
bring apiflask, SQLAlchemy and the app's extensions into the process.

Environment: FLOOR_DB (an SQLite path or a postgresql:// DSN, as for floor_app.py; the variant
FLOOR_SYNCHRONOUS_COMMIT=off applies too, FLOOR_AUTOCOMMIT does not: the dedup record and the
session write must commit together), WECHAT_TOKEN (the token the requests are signed with).

Run by the benchmark as: gunicorn --chdir benchmarks wechat_floor_app:app  (FLOOR_DB, WECHAT_TOKEN set)
"""
from __future__ import annotations

import importlib.util
import json
import os
import time
from pathlib import Path

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.replies import TextReply

from floor_app import connection, placeholder  # one connection per worker, opened after the fork

if os.environ.get("FLOOR_AUTOCOMMIT") == "1":
    raise SystemExit("wechat_floor_app: FLOOR_AUTOCOMMIT=1 would commit the dedup record apart from the turn")


def _load_wechat_xml():
    """Load backend/services/wechat/wechat_xml.py by path (it imports only hmac, re and wechatpy)."""
    path = Path(__file__).resolve().parent.parent / "backend" / "services" / "wechat" / "wechat_xml.py"
    spec = importlib.util.spec_from_file_location("floor_wechat_xml", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wechat_xml = _load_wechat_xml()
TOKEN = os.environ["WECHAT_TOKEN"]
app = Flask(__name__)

RECORD = ("INSERT INTO floor_wechat_messages (dedup_key, received_at) VALUES (?, ?) "
          "ON CONFLICT (dedup_key) DO NOTHING")
READ = "SELECT version, state FROM floor_wechat_sessions WHERE openid = ?"
SAVE = "UPDATE floor_wechat_sessions SET version = ?, state = ? WHERE openid = ? AND version = ?"


def _plain(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


@app.post("/wechat")
def wechat():
    """Verify, check and parse the push; record it and advance the session in one transaction; reply."""
    args = request.args
    if not wechat_xml.signature_ok(TOKEN, args.get("signature", ""), args.get("timestamp", ""),
                                   args.get("nonce", "")):
        return _plain("forbidden", 403)
    body = request.stream.read(wechat_xml.MAX_BODY_BYTES + 1)
    try:
        message = parse_message(wechat_xml.check_xml(body))  # size, DTD/entity and root checks first
    except wechat_xml.BadMessage:
        return _plain("bad request", 400)
    # The real endpoint's dedup key (backend.services.wechat.wechat_messages.dedup_key) for a message.
    key = f"msg:{message.id}"
    conn = connection()
    cur = conn.cursor()
    cur.execute(placeholder(RECORD), (key, int(time.time())))  # the time lets old records be pruned
    if cur.rowcount == 0:  # WeChat's retry of a message already handled: the turn must not run again
        conn.rollback()
        return _plain("success")
    cur.execute(placeholder(READ), (message.source,))
    version, state = cur.fetchone()  # the benchmark's followers all have a session row
    state = json.loads(state)
    state["turns"] = state.get("turns", 0) + 1
    state["last_turn_key"] = key  # what the real session keeps to answer a retry with the same reply
    cur.execute(placeholder(SAVE), (version + 1, json.dumps(state, ensure_ascii=False), message.source, version))
    if cur.rowcount != 1:  # another turn of this follower won the race: nothing of this one lands
        conn.rollback()
        return _plain("success")
    conn.commit()
    return Response(TextReply(message=message, content="好的").render(), mimetype="application/xml")


@app.get("/healthz")
def healthz():
    """Answer that the process is up (the benchmark waits on it)."""
    return {"status": "ok"}
