"""The floor for benchmarks/dialog_turn_floor.py: the bare endpoint plus the least a persisted turn must do.

Like benchmarks/bare_app.py it parses the JSON body and answers a small JSON document; in
addition it reads one session row by key and writes it back under an optimistic lock
(`UPDATE ... WHERE version = ?`), then commits: the database work no real dialog turn can
skip (a turn must read the state it advances, and save it atomically). It uses the raw
driver (sqlite3 or psycopg) on one connection per worker, with no ORM, no token check, no
NLU, no engine and no rendering, so any real turn costs at least this much.

Run by the benchmark as: gunicorn --chdir benchmarks floor_app:app  (FLOOR_DB set)
"""
from __future__ import annotations

import json
import os

from flask import Flask, jsonify, request

app = Flask(__name__)
app.json.ensure_ascii = False
DB = os.environ["FLOOR_DB"]
_conn = None


def connection():
    """Open this worker's connection once (after gunicorn forks)."""
    global _conn
    if _conn is None:
        if DB.startswith("postgresql"):
            import psycopg

            _conn = psycopg.connect(DB.replace("postgresql+psycopg", "postgresql"))
        else:
            import sqlite3

            _conn = sqlite3.connect(DB, timeout=10)
            _conn.execute("PRAGMA journal_mode=WAL")
            _conn.execute("PRAGMA synchronous=NORMAL")
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
