"""Liveness and readiness: /healthz says the process answers, /readyz what its dependencies say.

A load balancer or orchestrator polls /healthz to decide whether to restart an instance, so it
must answer in milliseconds whatever the database, Redis or the settlement service are doing: a
hung dependency is not cured by restarting the app. /readyz checks each dependency in parallel,
each with its own short timeout (READY_TIMEOUT, 1 s), and answers 503 only when the database,
without which nothing works, is not usable; Redis or the settlement service down is reported
(the app goes on: limits per process, hand-offs wait in the outbox, estimates answer 503).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout, wait

import requests
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend import messages
from backend.extensions import db

bp = Blueprint("health", __name__)

READY_TIMEOUT = 1.0
# A check still waiting on a hung dependency keeps its thread until the dependency's own timeout;
# a small pool bounds how many such threads repeated probes can pile up.
_CHECKS = ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")


@bp.get("/healthz")
def healthz():
    """Answer 200 at once: the process is alive (no dependency is asked)."""
    return jsonify(status="ok")


def _database(app) -> dict:
    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))
            migrated = db.session.execute(text("SELECT version_num FROM alembic_version")).first()
        except SQLAlchemyError as exc:
            db.session.rollback()
            reason = "database_not_migrated" if "alembic_version" in str(exc) else "database_unreachable"
            return {"status": "error", "reason": reason}
        finally:
            db.session.remove()
    if migrated is None:
        return {"status": "error", "reason": "database_not_migrated"}
    return {"status": "ok", "schema": migrated[0]}


def _settlement(url: str) -> dict:
    try:
        response = requests.get(f"{url}/healthz", timeout=READY_TIMEOUT)
    except requests.RequestException as exc:
        return {"status": "error", "reason": "settlement_unreachable", "detail": type(exc).__name__}
    return {"status": "ok"} if response.status_code == 200 else {"status": "error", "reason": f"http_{response.status_code}"}


def _redis(url: str) -> dict:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=READY_TIMEOUT, socket_timeout=READY_TIMEOUT).ping()
    except RedisError as exc:
        return {"status": "error", "reason": "redis_unreachable", "detail": type(exc).__name__}
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Check the database, Redis and the settlement service (when configured), each within READY_TIMEOUT."""
    app = current_app._get_current_object()
    config = app.config
    checks = {"database": _CHECKS.submit(_database, app)}
    if config.get("REDIS_URL"):
        checks["redis"] = _CHECKS.submit(_redis, config["REDIS_URL"])
    if config.get("SETTLEMENT_URL"):
        checks["settlement"] = _CHECKS.submit(_settlement, config["SETTLEMENT_URL"])
    wait(checks.values(), timeout=READY_TIMEOUT + 0.2)
    states = {}
    for name, future in checks.items():
        try:
            states[name] = future.result(timeout=0)
        except FutureTimeout:
            states[name] = {"status": "error", "reason": f"{name}_unreachable", "detail": "timeout"}
    database = states["database"]
    if database["status"] != "ok":
        reason = database["reason"]
        return jsonify(status="error", reason=reason, message=messages.text(reason), checks=states), 503
    degraded = any(state["status"] != "ok" for state in states.values())
    return jsonify(status="degraded" if degraded else "ok", schema=database["schema"], checks=states)
