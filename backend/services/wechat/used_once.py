"""Keys that may be used once within a time: WeChat nonces, one-time page sign-in codes.

Shared by every process: in Redis when REDIS_URL is set (SET NX with an expiry), else in the
database (a primary key that a second use cannot insert).
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from backend.extensions import db
from backend.models import UsedOnceKey
from backend.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


def first_use(key: str, ttl: float) -> bool:
    """Remember key for ttl seconds; return False when it was used already."""
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            return bool(_redis(redis_url).set(f"used-once:{key}", "1", nx=True, ex=max(1, int(ttl))))
        except Exception as exc:  # Redis down: the database still remembers, across instances
            log.warning("Redis unavailable for one-time keys, using the database: %s", type(exc).__name__)
    return _remember_in_database(key, ttl)


_CLAIM = insert(UsedOnceKey.__table__)  # built once: every WeChat push claims its nonce


def _remember_in_database(key: str, ttl: float) -> bool:
    # Wall-clock time, not the service clock: tests freeze the latter to a date.
    now = datetime.now(timezone.utc)
    try:
        # Claimed at once, on its own: a second use in another process must see it now.
        with unit_of_work(separately=True):
            db.session.connection().execute(_CLAIM, {"key": key[:200], "expires_at": now + timedelta(seconds=ttl)})
    except IntegrityError:  # used already (the unit of work rolled back)
        return False
    if secrets.randbelow(100) == 0:  # now and then, forget keys that can no longer be replayed
        with unit_of_work(separately=True):
            db.session.execute(delete(UsedOnceKey).where(UsedOnceKey.expires_at < now))
    return True


def _redis(url: str):
    client = current_app.extensions.get("used_once_redis")
    if client is None:
        from redis import Redis

        client = current_app.extensions["used_once_redis"] = Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=1)
    return client
