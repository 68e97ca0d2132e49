"""Start and stop the project's own processes (settlement service, outbox worker) for fault tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask"]
SETTLEMENT_APP = "backend:create_settlement_app()"


def xdist_index() -> int:
    """Return this test process's pytest-xdist number (0 without xdist), to give it its own Redis database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker[2:].isdigit() else 0


def free_port() -> int:
    """Return a loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_with(**values) -> dict:
    """Return this process's environment with the given settings (the tests' SECRET_KEY included)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SETTLEMENT_URL")}
    env.update({k: str(v) for k, v in values.items()})
    env.setdefault("APP_ENV", "testing")
    # These clients type whole conversations at machine speed: the quick-tap guard (which holds back a number
    # that signs or submits within seconds of the question) is off here and tested in tests/web/test_quick_tap.py.
    env.setdefault("QUICK_TAP_SECONDS", "0")
    env["PYTHONPATH"] = str(ROOT)
    return env


def run(args: list[str], env: dict, timeout: float = 120) -> str:
    """Run a command to completion and return its output; fail loudly with it otherwise."""
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Start a long-running process with its output in log."""
    handle = open(log, "ab")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_http(url: str, timeout: float = 30, proc: subprocess.Popen | None = None) -> None:
    """Wait until url answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def kill(proc: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    """Stop a process group (SIGKILL if it does not stop)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def wait_until(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll predicate until it returns something truthy; return it, or fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout}s")
