"""The RQ job: one delivery pass with this worker process's app (built once, without the web blueprints)."""
from __future__ import annotations

from flask import Flask

from backend import create_worker_app
from backend.adapters import queue

_own_app: Flask | None = None


def drain_job() -> int:
    """One delivery pass (enqueued by backend.adapters.queue.wake as DRAIN_JOB)."""
    global _own_app
    app = queue.job_app()
    if app is None:
        if _own_app is None:
            _own_app = create_worker_app()
        app = _own_app
    return queue.drain(app)
