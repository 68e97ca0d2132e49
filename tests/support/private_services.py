"""A private PostgreSQL cluster and a private Redis, each on its own loopback port, for fault tests
that stop and restart them (the shared servers at 5432/6379 must keep running for everyone else).
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.processes import free_port, wait_until


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; the Debian package's postgres user runs it instead.
    return ["runuser", "-u", "postgres", "--"] + args if os.geteuid() == 0 else args


class PrivatePostgres:
    """initdb + pg_ctl on a free port under tmp; stop/start/restart at will."""

    def __init__(self, tmp: Path):
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="ydjy-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data, self.port = self.dir / "data", free_port()
        subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]),
                       check=True, capture_output=True)
        self.start()
        subprocess.run(_as_postgres([_pg_bin("createdb"), "-h", str(self.dir), "-p", str(self.port), "-U", "postgres",
                                     "app"]), check=True, capture_output=True)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/app"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                                     "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", *args]),
                       check=True, capture_output=True)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._ctl("start", "-w")

    def stop(self) -> None:
        """Stop the server at once (fast shutdown: sessions are cut)."""
        self._ctl("stop", "-m", "fast", "-w")

    def close(self) -> None:
        """Stop the server if it runs and remove its files."""
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """redis-server on a free port, nothing kept on disk."""

    def __init__(self, tmp: Path):
        self.port, self.dir = free_port(), tmp
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None
        self.start()

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        from redis import Redis

        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def answers():
            try:
                return Redis.from_url(self.url, socket_connect_timeout=1).ping()
            except Exception:  # noqa: BLE001 (not up yet)
                return False

        wait_until(answers, timeout=10, what="redis-server")

    def stop(self) -> None:
        """Stop the server."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        time.sleep(0.1)
