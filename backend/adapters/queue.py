"""The background-work port: who drains the outbox, and how a commit wakes it.

OUTBOX_WORKER=rq      (default when REDIS_URL is set): a wake-up is an RQ job on the "outbox"
                      queue; `flask worker` (docs/operations.md) runs the RQ worker plus a poller that
                      picks up retries whose backoff has passed (the scheduler).
OUTBOX_WORKER=thread  (default without Redis): a daemon thread in each process that serves the
                      app, started with it, woken by commits and polling every OUTBOX_POLL_SECONDS.
OUTBOX_WORKER=off     (tests): nothing runs by itself; tests call deliver_pending().
Whatever runs, delivery goes through backend.worker.dispatch (the drain function init_app is given),
whose claims make any number of workers safe. A request only marks its session (request_wake);
the after_commit hook installed here wakes the worker once the rows are visible.
"""
from __future__ import annotations

import logging
import os
import threading
import time

from typing import Callable

import click
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
QUEUE_NAME = "outbox"
# The RQ job, named by its path so this adapter never imports the worker wing.
DRAIN_JOB = "backend.worker.jobs.drain_job"
_WAKE = "outbox_wake"
_threads: dict[int, "ThreadWorker"] = {}
_lock = threading.Lock()


def init_app(app: Flask, drain: Callable[[Flask], int]) -> None:
    """Give the app its delivery pass (run by the thread, `flask worker` and the RQ job's app)."""
    app.extensions["outbox_drain"] = drain


def drain(app: Flask) -> int:
    """Run the app's delivery pass once (what a thread or the poller runs)."""
    return app.extensions["outbox_drain"](app)


def request_wake(session: Session) -> None:
    """Ask for the worker to be woken once this session's transaction commits."""
    session.info[_WAKE] = True


@event.listens_for(Session, "after_commit")
def _wake_worker(session: Session) -> None:
    # Only after the commit: a worker woken earlier could not see the rows yet.
    if session.info.pop(_WAKE, False):
        try:
            wake(current_app._get_current_object())
        except Exception:  # the poller delivers anyway; a lost wake-up only delays
            log.warning("could not wake the outbox worker", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WAKE, None)


class ThreadWorker:
    """Drain the outbox from a daemon thread of this process."""

    def __init__(self, app: Flask):
        self.app, self.pid = app, os.getpid()
        self.event, self.stopping = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)

    def start(self) -> "ThreadWorker":
        """Start the thread."""
        self.thread.start()
        return self

    def wake(self) -> None:
        """Ask for a pass now."""
        self.event.set()

    def stop(self, timeout: float = 5) -> None:
        """Stop after the current pass."""
        self.stopping.set()
        self.event.set()
        self.thread.join(timeout)

    def _run(self) -> None:
        poll = self.app.config.get("OUTBOX_POLL_SECONDS", 5.0)
        while not self.stopping.is_set():
            drain(self.app)
            self.event.wait(poll)
            self.event.clear()


def thread_worker(app: Flask) -> ThreadWorker:
    """Return this process's worker thread, starting it (again after a fork) if needed."""
    key = id(app)
    with _lock:
        worker = _threads.get(key)
        if worker is None or worker.pid != os.getpid() or not worker.thread.is_alive():
            worker = _threads[key] = ThreadWorker(app).start()
    return worker


def start_when_served(app: Flask) -> None:
    """Start this process's delivery thread at once when the app is served in thread mode.

    Waiting for the first commit that queues a message would leave rows committed before a crash
    (or held "sending" by a dead process) undelivered on a quiet server until some unrelated
    commit; started here, the thread's polling delivers them after a restart. An app loaded for a
    one-off `flask` command (upgrade, load-demo, worker, shell) gets no thread: it would query the
    outbox while `upgrade` creates it, and `flask worker` runs its own loop. `flask run` is the one
    command that serves; gunicorn and other WSGI servers import the app outside any click command.
    """
    if app.config.get("OUTBOX_WORKER") != "thread":
        return
    command = click.get_current_context(silent=True)
    if command is not None and command.command.name != "run":
        return
    thread_worker(app)


def stop_all(timeout: float = 5) -> None:
    """Stop every delivery thread of this process (tests use it so no thread outlives its app)."""
    with _lock:
        workers = list(_threads.values())
        _threads.clear()
    for worker in workers:
        if worker.pid == os.getpid():
            worker.stop(timeout)


def running(app: Flask) -> bool:
    """Return whether this process runs a delivery thread for app."""
    worker = _threads.get(id(app))
    return worker is not None and worker.pid == os.getpid() and worker.thread.is_alive()


def _redis(app: Flask):
    # One client (and connection pool) per app: a wake-up follows every commit that queued work.
    client = app.extensions.get("outbox_redis")
    if client is None:
        from redis import Redis

        client = app.extensions["outbox_redis"] = Redis.from_url(
            app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
    return client


def wake(app: Flask) -> None:
    """Wake whichever worker the configuration runs."""
    mode = app.config.get("OUTBOX_WORKER", "off")
    if mode == "thread":
        thread_worker(app).wake()
    elif mode == "rq":
        connection = _redis(app)
        # One queued wake-up is enough: commits within the same second share it.
        if connection.set("outbox:wake", "1", nx=True, px=1000):
            from rq import Queue

            Queue(QUEUE_NAME, connection=connection).enqueue(DRAIN_JOB, result_ttl=0, failure_ttl=3600)


# The app an RQ job of this process runs with: `flask worker` sets its own (backend/worker/jobs.py
# builds a worker app when a process runs jobs without it).
_job_app: Flask | None = None


def job_app() -> Flask | None:
    """Return the app this process's RQ jobs run with, if one was set."""
    return _job_app


def run_worker(app: Flask, *, once: bool = False) -> None:
    """Run the worker in the foreground (`flask worker`): RQ plus a poller, or the poll loop alone."""
    global _job_app
    _job_app = app
    poll = app.config.get("OUTBOX_POLL_SECONDS", 5.0)
    if once:
        drain(app)
        return
    if app.config.get("OUTBOX_WORKER") == "rq" and app.config.get("REDIS_URL"):
        from rq import Queue, SimpleWorker

        # The scheduler for retries: a poller that delivers messages whose backoff has passed,
        # and anything whose wake-up was lost (e.g. Redis was down when it was committed).
        threading.Thread(target=_poll_forever, args=(app, poll), daemon=True, name="outbox-poller").start()
        while True:
            try:
                connection = _redis(app)
                SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work()
                return
            except Exception:  # Redis down: keep delivering by polling until it is back
                log.warning("RQ worker stopped (Redis unreachable?); retrying in %ss", poll, exc_info=True)
                time.sleep(poll)
    _poll_forever(app, poll)


def _poll_forever(app: Flask, poll: float) -> None:
    while True:
        drain(app)
        time.sleep(poll)
