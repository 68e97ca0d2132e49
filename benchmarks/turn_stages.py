"""Where a dialog turn's CPU goes: the in-process cost of one API turn, per stage, against the 1.5 ms target.

What is measured
  The benchmark's conversation (benchmarks/dialog_turn.py, CONVERSATION) sent as real
  `POST /api/v1/dialog/messages` requests through the app's WSGI interface: the environ a server would
  hand over is built once per user and message, and each turn is app(environ, start_response) with the
  body read to the end (no HTTP server, no network, no other process on this thread), by bound users, on
  the database the caller prepared. What is measured is the app, from the WSGI call to the last byte of
  the reply. Every turn does everything a served turn does: token check, session row, NLU,
  engine, effects, the conditional UPDATE and the commit, the JSON reply.

How
  Each stage is timed with time.thread_time() (the CPU of this thread; waiting for PostgreSQL is not
  counted, the driver's own work is) and exclusively: a stage running inside another is subtracted
  from the outer one. The stages are the functions that do the work:
    identity  backend.auth.identity_for_token (token -> WeChat identity -> person)
    session   dialog_turns._load_session (the session row)
    context   dialog_turns.build_context (what is prepared for the engine before it runs)
    engine    dialogs.engine.advance (NLU, intents, the flow; with the look-ups it asks the context for)
    effects   dialog_turns._execute (what the step does: filings listed, hospitals checked, ...)
    render    dialog_turns._render (the reply in words)
    commit    Session.commit (the flush of the UPDATE and the commit)
    the rest  Flask, request parsing and validation, the API schema, JSON encoding, the ORM outside the above
  SQL statements per turn are counted with a before_cursor_execute listener.

Run
  Normally from dialog_turn.py (it prepares the database and passes it on). Alone:
    .venv/bin/python benchmarks/turn_stages.py --database-url sqlite:////tmp/x/bench.db --tokens-file tokens.json
  with SECRET_KEY and INSTANCE_PATH as the database was prepared with.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_CPU_MS = 1.5
STAGES = ("identity", "session", "context", "engine", "effects", "render", "commit")


class StageClock:
    """Exclusive CPU time per stage: entering a stage pauses the one it runs in."""

    def __init__(self) -> None:
        self.totals = dict.fromkeys(STAGES, 0.0)
        self._stack: list[list] = []  # [stage, started]
        self._thread = threading.get_ident()  # the thread that drives the turns; others are not timed

    def wrap(self, stage: str, function):
        def timed(*args, **kwargs):
            if threading.get_ident() != self._thread:
                return function(*args, **kwargs)  # e.g. a commit of the outbox thread: not this turn's work
            now = time.thread_time()
            if self._stack:
                outer = self._stack[-1]
                self.totals[outer[0]] += now - outer[1]
            self._stack.append([stage, now])
            try:
                return function(*args, **kwargs)
            finally:
                done = time.thread_time()
                self.totals[stage] += done - self._stack.pop()[1]
                if self._stack:
                    self._stack[-1][1] = done

        timed.__wrapped__ = function
        return timed

    def reset(self) -> None:
        self.totals = dict.fromkeys(STAGES, 0.0)


def instrument(clock: StageClock) -> None:
    """Time the stages where they are looked up at run time (module globals and a class method)."""
    from sqlalchemy.orm import Session

    from backend import auth
    from backend.services.dialog import dialog_turns
    from dialogs import engine

    auth.identity_for_token = clock.wrap("identity", auth.identity_for_token)
    for name, stage in (("_load_session", "session"), ("build_context", "context"), ("_execute", "effects"),
                        ("_render", "render")):
        setattr(dialog_turns, name, clock.wrap(stage, getattr(dialog_turns, name)))
    engine.advance = clock.wrap("engine", engine.advance)
    Session.commit = clock.wrap("commit", Session.commit)


def run(tokens: list[str], turns: int, warmup_cycles: int = 2) -> dict:
    """Drive the conversation in-process; return the per-turn figures."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from dialog_turn import CONVERSATION
    from sqlalchemy import event

    from flask.testing import EnvironBuilder

    from backend import create_app
    from backend.extensions import db

    clock = StageClock()
    instrument(clock)
    app = create_app()
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.__setitem__(0, statements[0] + 1))
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens]

    # Each request is the WSGI environ a server hands the app (built once per user and message, as gunicorn
    # builds it from the socket), sent through app(environ, start_response) and its body read to the end:
    # the app's CPU from WSGI in to the reply out. The test client's own request building and response
    # wrapping are not part of a served turn, so they are not measured.
    environs: dict = {}

    def one(user: int, body: dict) -> None:
        key = (user, json.dumps(body, sort_keys=True))
        if key not in environs:
            builder = EnvironBuilder(app, path="/api/v1/dialog/messages", method="POST", json=body,
                                     headers=headers[user])
            environ = builder.get_environ()
            environs[key] = (environ, environ["wsgi.input"].read())
        environ, raw = environs[key]
        status: list[str] = []
        chunks = app({**environ, "wsgi.input": io.BytesIO(raw)}, lambda s, h, e=None: status.append(s))
        try:
            data = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        if not status[0].startswith("200"):
            raise SystemExit(f"turn failed: {status[0]} {data[:300].decode('utf-8', 'replace')}")

    def cycles(count: int) -> int:
        """Whole conversations, users taking turns; each ends with "不办了", so every session ends idle."""
        for _ in range(count):
            for body in CONVERSATION:
                for user in range(len(tokens)):
                    one(user, body)
        return count * len(CONVERSATION) * len(tokens)

    for user in range(len(tokens)):
        one(user, CONVERSATION[-1])  # "不办了" brings any session, whatever its step, back to idle
    cycles(warmup_cycles)
    clock.reset()
    statements[0] = 0
    started = time.thread_time()
    done = cycles(max(1, -(-turns // (len(CONVERSATION) * len(tokens)))))
    total = time.thread_time() - started
    per = {stage: clock.totals[stage] / done * 1000 for stage in STAGES}
    per["the rest"] = total / done * 1000 - sum(per.values())
    per_turn_statements = statements[0] / done

    # The same requests with the turn replaced by a fixed answer (as benchmarks/wechat_no_turn_app.py does for
    # WeChat): Flask, the extensions' hooks, the token and identity check, validation, the JSON reply, the
    # request log. What is left of the 1.5 ms once the app has handled a request that does no turn at all.
    from backend.services.dialog import dialog_turns

    fixed = dialog_turns.TurnResult(text="好的", messages=[], choices=[], state="idle", flow=None, version=1,
                                    large_text=False, language="zh_CN")
    real_turn = dialog_turns.handle_turn
    dialog_turns.handle_turn = lambda *args, **kwargs: fixed
    try:
        cycles(1)
        started = time.thread_time()
        bare = cycles(max(1, -(-turns // (len(CONVERSATION) * len(tokens)))))
        without_turn = (time.thread_time() - started) / bare * 1000
    finally:
        dialog_turns.handle_turn = real_turn
    return {"turns": done, "cpu_ms": total / done * 1000, "stages": per, "statements": per_turn_statements,
            "without_turn_ms": without_turn}


def report(label: str, figures: dict) -> None:
    cpu = figures["cpu_ms"]
    print(f"    in-process CPU per turn ({label}, {figures['turns']} turns, one thread, no HTTP server): "
          f"{cpu:.2f} ms; {figures['statements']:.1f} SQL statements per turn")
    print("      " + "  ".join(f"{stage} {ms:.2f}" for stage, ms in figures["stages"].items()) + "  (ms per turn)")
    if "without_turn_ms" in figures:
        print(f"      the same requests with the turn replaced by a fixed answer: {figures['without_turn_ms']:.2f} ms "
              "(Flask, hooks, token and identity, validation, JSON, request log)")
    verdict = "PASS" if cpu <= TARGET_CPU_MS else "MISS"
    print(f"    CPU per turn {cpu:6.2f} ms target <= {TARGET_CPU_MS:g} ms  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tokens-file", required=True, help="a JSON list of bearer tokens of bound users")
    parser.add_argument("--turns", type=int, default=600)
    parser.add_argument("--users", type=int, default=8, help="how many of the tokens to use (default 8)")
    parser.add_argument("--label", default="")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line instead")
    args = parser.parse_args()
    if not 50 <= args.turns <= 20000:
        parser.error("need 50 <= --turns <= 20000")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("APP_ENV", "production")
    os.environ.pop("REDIS_URL", None)
    os.environ["OUTBOX_WORKER"] = "off"  # no delivery thread: nothing in the conversation queues a hand-off
    tokens = json.loads(Path(args.tokens_file).read_text())[:args.users]
    figures = run(tokens, args.turns)
    if args.json:
        print("STAGES " + json.dumps(figures))
    else:
        report(args.label or args.database_url.split(":")[0], figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
