"""The floor for benchmarks/dialog_turn_floor.py: the bare endpoint plus the least a persisted turn must do.

Like benchmarks/bare_app.py it parses the JSON body and answers a small JSON document; in
addition it reads one session row by key and writes it back under an optimistic lock
(`UPDATE ... WHERE version = ?`), then commits: the database work no real dialog turn can
skip (a turn must read the state it advances, and save it atomically). It uses the raw
driver (sqlite3 or psycopg) on one connection per worker thread, with no ORM, no token check, no
NLU, no engine and no rendering, so any real turn costs at least this much.

Run by the benchmark as: gunicorn --chdir benchmarks floor_app:app  (FLOOR_DB set)
"""
from __future__ import annotations

import json
import os
import threading

from flask import Flask, jsonify, request

app = Flask(__name__)
app.json.ensure_ascii = False
DB = os.environ["FLOOR_DB"]
_local = threading.local()


def connection():
    """Open this worker thread's connection once (after gunicorn forks; one per gthread thread)."""
    _conn = getattr(_local, "conn", None)
    if _conn is None:
        if DB.startswith("postgresql"):
            import psycopg

            # FLOOR_AUTOCOMMIT=1: the read and the conditional write each commit by themselves, two
            # round trips instead of three (SELECT, UPDATE, COMMIT) -- the fewest a turn can make.
            _conn = psycopg.connect(DB.replace("postgresql+psycopg", "postgresql"),
                                    autocommit=os.environ.get("FLOOR_AUTOCOMMIT") == "1")
            if os.environ.get("FLOOR_SYNCHRONOUS_COMMIT") == "off":
                # What a turn that creates nothing irreversible could afford: the commit does not
                # wait for the WAL flush (a database crash may lose the last moments of turns).
                _conn.execute("SET synchronous_commit = off")
                _conn.commit()
        else:
            import sqlite3

            _conn = sqlite3.connect(DB, timeout=10)
            _conn.execute("PRAGMA journal_mode=WAL")
            _conn.execute("PRAGMA synchronous=NORMAL")
        _local.conn = _conn
    return _conn


def placeholder(sql: str) -> str:
    return sql if not DB.startswith("postgresql") else sql.replace("?", "%s")


READ = "SELECT version, state FROM floor_sessions WHERE user_key = ?"
SAVE = "UPDATE floor_sessions SET version = ?, state = ? WHERE user_key = ? AND version = ?"


@app.post("/api/v1/dialog/messages")
def post_message():
    """Read the session, save it back under the optimistic lock, commit, answer."""
    body = request.get_json(silent=True) or {}
    key = request.headers.get("Authorization", "")[len("Bearer "):]
    conn = connection()
    cur = conn.cursor()
    cur.execute(placeholder(READ), (key,))
    version, state = cur.fetchone()
    state = json.loads(state)
    state["turns"] = state.get("turns", 0) + 1
    cur.execute(placeholder(SAVE), (version + 1, json.dumps(state), key, version))
    if not getattr(conn, "autocommit", False):
        conn.commit()
    return jsonify({
        "reply": "好的", "messages": [], "choices": [], "state": "idle", "flow": None, "version": version + 1,
        "large_text": False, "language": "zh_CN", "filing": None, "repeated": False,
        "echo": {"keys": sorted(body)},
    })


@app.get("/healthz")
def healthz():
    """Answer that the process is up (the benchmark waits on it)."""
    return {"status": "ok"}
