"""Time `flask --app wsgi seed-institutions --count 650000` on a fresh SQLite database.

Target (issue: foundation): under 3 minutes on this 2-core machine. Prints the
elapsed time, rows per second and the ratio of the target to the measurement.

Run: .venv/bin/python benchmarks/seed_institutions.py [--count N]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 180.0


def flask(env: dict, *args: str) -> str:
    """Run a flask CLI command and return its stdout."""
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=650_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        env = dict(os.environ, APP_ENV="development", INSTANCE_PATH=tmp,
                   DATABASE_URL=f"sqlite:///{tmp}/bench.db", SECRET_KEY="benchmark-only")
        flask(env, "upgrade")
        flask(env, "load-reference")
        started = time.perf_counter()
        flask(env, "seed-institutions", "--count", str(args.count))
        elapsed = time.perf_counter() - started
        size_mb = Path(tmp, "bench.db").stat().st_size / 1e6
    print(f"seed-institutions --count {args.count} on SQLite")
    print(f"  elapsed          {elapsed:8.1f} s  (whole command, including start-up)")
    print(f"  rows per second  {args.count / elapsed:8.0f}")
    print(f"  database size    {size_mb:8.1f} MB")
    print(f"  target           {TARGET_SECONDS:8.1f} s  -> {TARGET_SECONDS / elapsed:.1f}x faster than the target")
    sys.exit(0 if elapsed < TARGET_SECONDS else 1)


if __name__ == "__main__":
    main()
