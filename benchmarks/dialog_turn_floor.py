"""What fraction of the bare endpoint can ANY persisted dialog turn reach on this machine?

benchmarks/dialog_turn.py compares the real turn with a bare Flask endpoint (target: the
turn reaches >= 50% of the bare endpoint's requests/s). This script measures the ceiling of
that ratio: the same bare endpoint against a "floor" endpoint (benchmarks/floor_app.py) that
adds only the database work every persisted turn must do (read one session row, write it
back under the optimistic lock, commit) with the raw driver and nothing else. A real turn
also checks a token, runs the NLU and the engine and renders a reply, so its ratio cannot
exceed the floor's: where the floor's ratio is below 50%, the target is out of reach on this
machine whatever the implementation.

Same set-up as dialog_turn.py: gunicorn, 2 workers (sync, and gthread with 4 threads), wrk with 16 connections on
loopback, 64 users; SQLite in a temporary directory and PostgreSQL in a throw-away
database at 127.0.0.1:5432 (dropped at the end). Prints requests/s, p99, CPU split and the
ratio floor/bare for each backend.

Variants of the floor on PostgreSQL (environment variables read by floor_app.py):
FLOOR_AUTOCOMMIT=1 makes the read and the write commit by themselves (two round trips instead of
three); FLOOR_SYNCHRONOUS_COMMIT=off lets the commit return before the WAL is flushed (which a
turn that files something could not afford).

Run: .venv/bin/python benchmarks/dialog_turn_floor.py [--worker-classes sync,gthread] [--seconds 15] [--warmup 5] [--backends sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dialog_turn as base  # noqa: E402  (the same servers, wrk script and CPU accounting)

USERS = 64


def prepare(backend: str) -> str:
    """Make the floor's session table with USERS rows; return FLOOR_DB."""
    tmp = tempfile.mkdtemp(prefix=f"bench-floor-{backend}-")
    base._TMPDIRS.append(tmp)
    ddl = "CREATE TABLE floor_sessions (user_key TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL)"
    rows = [(f"user-{i}", 1, json.dumps({"step": "idle", "slots": {"city": "深圳"}})) for i in range(USERS)]
    if backend == "sqlite":
        path = f"{tmp}/floor.db"
        with sqlite3.connect(path) as conn:
            conn.execute(ddl)
            conn.executemany("INSERT INTO floor_sessions VALUES (?, ?, ?)", rows)
        return path
    import psycopg

    name = f"bench_floor_{os.getpid()}"
    base.pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    base.pg_admin(f'CREATE DATABASE "{name}"')
    base._DATABASES.append(name)
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(dsn) as conn:
        conn.execute(ddl)
        conn.cursor().executemany("INSERT INTO floor_sessions VALUES (%s, %s, %s)", rows)
    return dsn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--worker-classes", default="sync,gthread",
                        help="gunicorn worker classes, each for both apps (gthread: 4 threads a worker)")
    args = parser.parse_args()
    args.connections, args.workers, threads = 16, 2, 4
    if not base.shutil.which("wrk"):
        sys.exit("wrk is needed (Debian package wrk)")
    tokens = [f"user-{i}" for i in range(USERS)]
    per = USERS // args.connections
    try:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            env = dict(os.environ, FLOOR_DB=prepare(backend))
            workdir = base._TMPDIRS[-1]
            bench_dir = ["--chdir", str(base.ROOT / "benchmarks")]
            for worker_class in [w.strip() for w in args.worker_classes.split(",") if w.strip()]:
                label = "sync" if worker_class == "sync" else f"gthread --threads {threads}"
                floor = base.start_server(f"floor-{backend}", bench_dir + ["floor_app:app"], env, worker_class, 2,
                                          threads, workdir)
                bare = base.start_server(f"bare-{backend}", bench_dir + ["bare_app:app"], env, worker_class, 2,
                                         threads, workdir)
                try:
                    f = base.measure(floor, tokens, per, None, args, workdir, True, backend == "postgresql")
                    b = base.measure(bare, tokens, per, None, args, workdir, True, False)
                finally:
                    base.stop_process(floor.proc)
                    base.stop_process(bare.proc)
                ratio = f.rps / b.rps if b.rps else 0.0
                print(f"\n== {backend} · gunicorn -w 2 {label} · 16 connections · "
                      f"{args.seconds:g}s after {args.warmup:g}s warm-up")
                for name, r in (("floor turn", f), ("bare endpoint", b)):
                    cpu = ", ".join(f"{k} {v:.2f}" for k, v in r.cpu.items() if v == v)
                    print(f"   {name:14} {r.rps:9.1f} req/s  p50 {r.p50:6.2f} ms  p99 {r.p99:6.2f} ms  "
                          f"errors {r.errors}  CPU (cores of 2): {cpu}")
                print(f"   ratio floor/bare {ratio:6.1%}: the ceiling of dialog_turn.py's ratio (target >= 50%): "
                      f"{'reachable' if ratio >= 0.5 else 'OUT OF REACH'} with this server set-up")
                if f.errors + b.errors:
                    print("   the run had errors: figures not valid")
                    return 1
    finally:
        base.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
