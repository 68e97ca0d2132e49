"""Deliver outbox messages to their receivers (settlement service, WeChat), in order per aggregate.

A handler is registered for a topic prefix in handlers.py and is called with the message inside an
app context and inside the worker's unit of work. It returns normally when the receiver has the
message (the worker then marks it delivered, and whatever the handler changed commits with that
mark: a handler never commits), raises RetryLater for a transient failure (down, slow, 5xx: retried
with backoff) and DeliveryFailed for a permanent one.

Each step of the worker (reading what is due, claiming a message, acknowledging it, recording a
failed attempt) commits at once, in a unit of work of its own.

Guarantees, and how:
- never lost: the message is a row committed with the change it announces; a worker that dies
  holding it (status "sending") loses only its lease, after which any worker takes it again;
- never applied twice: receivers deduplicate by the idempotency key (the settlement service by
  reference + version), so a redelivery after a crash between delivery and acknowledgement is
  answered "duplicate" and changes nothing;
- in order per aggregate: sequence n+1 is not due while n is neither delivered nor failed.
"""
from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import and_, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from backend.extensions import db
from backend.lib import clock
from backend.models import OutboxMessage
from backend.services.filing import documents
from backend.services.unit_of_work import unit_of_work
from backend.worker.errors import DeliveryFailed, RetryLater
from backend.worker.handlers import HANDLERS, Handler, Hook, Registration

log = logging.getLogger(__name__)

BATCH = 50
DONE = ("delivered", "failed")


def _registration(topic: str) -> tuple[str, Registration] | None:
    matches = [p for p in HANDLERS if topic.startswith(p)]
    if not matches:
        return None
    prefix = max(matches, key=len)
    return prefix, HANDLERS[prefix]


def handler_for(topic: str) -> Handler | None:
    """Return the handler of the longest registered prefix of topic."""
    found = _registration(topic)
    return found[1].deliver if found else None


def backoff(attempts: int, cap: float) -> float:
    """Seconds to wait after the n-th failed attempt: 1, 2, 4 ... up to cap, with jitter."""
    base = min(cap, 2.0 ** max(0, attempts - 1))
    return base * random.uniform(0.5, 1.0)


def _due(now, limit: int) -> list[tuple[int, str, int]]:
    earlier = aliased(OutboxMessage)
    blocked = exists().where(and_(
        earlier.aggregate_type == OutboxMessage.aggregate_type, earlier.aggregate_id == OutboxMessage.aggregate_id,
        earlier.sequence < OutboxMessage.sequence, earlier.status.not_in(DONE)))
    with unit_of_work(separately=True):  # ends the read, so the next pass sees newer rows
        rows = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.attempts)
            .where(OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now, ~blocked)
            .order_by(OutboxMessage.id).limit(limit)).all()
    return [tuple(r) for r in rows]


def _claim(message_id: int, attempts: int, now, lease: float) -> bool:
    # A conditional UPDATE: of two workers reading the same row, exactly one moves it on.
    with unit_of_work(separately=True):
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.attempts == attempts,
                   OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now)
            .values(status="sending", attempts=attempts + 1, next_attempt_at=now + timedelta(seconds=lease))
            .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _settle(message_id: int, status: str, error: str, *, wait: float | None = None, hook: Hook | None = None) -> None:
    """Record a failed attempt (the handler's changes are rolled back): retry later, or failed for good."""
    db.session.rollback()
    with unit_of_work(separately=True):
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        message.status, message.last_error = status, error[:500]
        if wait is not None:
            message.next_attempt_at = clock.now() + timedelta(seconds=wait)
        if hook:
            hook(message, error)


def _deliver_one(message_id: int, registration: Registration, cap: float) -> str:
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    attempts = message.attempts
    handled = False
    try:
        # The handler's changes and the acknowledgement commit together, or neither does.
        with unit_of_work(separately=True):
            registration.deliver(message)
            handled = True
            message.status, message.delivered_at, message.last_error = "delivered", clock.now(), None
    except RetryLater as exc:
        wait = exc.retry_after if exc.retry_after is not None else backoff(attempts, cap)
        _settle(message_id, "pending", exc.reason, wait=wait, hook=registration.on_retry)
        return "retry"
    except DeliveryFailed as exc:
        _settle(message_id, "failed", str(exc), hook=registration.on_failure)
        log.warning("outbox message %s failed for good: %s", message_id, exc)
        return "failed"
    except Exception as exc:
        if handled and isinstance(exc, IntegrityError):
            # Another worker (whose claim followed an expired lease) acknowledged it first.
            log.warning("outbox message %s was acknowledged concurrently", message_id)
            return "failed"
        if handled:
            raise  # the acknowledgement's commit failed (the database went away): the pass stops
        # An unexpected bug in the handler must not lose the message: retry it later.
        log.exception("outbox handler crashed on message %s", message_id)
        _settle(message_id, "pending", f"{type(exc).__name__}: {exc}", wait=backoff(attempts, cap))
        return "retry"
    return "delivered"


def deliver_pending(limit: int | None = None) -> int:
    """Deliver every due message now (in the current app context); return how many were delivered.

    When a receiver asks to retry, the rest of its messages wait for the next pass rather than
    hammering a service that is down.
    """
    config = current_app.config
    lease, cap = config.get("OUTBOX_LEASE_SECONDS", 60.0), config.get("OUTBOX_BACKOFF_MAX", 300.0)
    delivered = 0
    resting: set[str] = set()
    while True:
        now = clock.now()
        progress = False
        for message_id, topic, attempts in _due(now, BATCH):
            found = _registration(topic)
            if found is None:
                _fail_unroutable(message_id, topic)
                progress = True
                continue
            prefix, registration = found
            if prefix in resting or not _claim(message_id, attempts, now, lease):
                continue
            outcome = _deliver_one(message_id, registration, cap)
            if outcome == "retry":
                resting.add(prefix)
                continue
            progress = True
            delivered += outcome == "delivered"
            if limit is not None and delivered >= limit:
                return delivered
        if not progress:
            return delivered


def _fail_unroutable(message_id: int, topic: str) -> None:
    with unit_of_work(separately=True):
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                           .values(status="failed", last_error=f"no handler for {topic}")
                           .execution_options(synchronize_session=False))
    log.error("outbox message %s has no handler for topic %s", message_id, topic)


def drain(app: Flask) -> int:
    """Run one delivery pass in an app context; log and swallow failures (the next pass retries)."""
    with app.app_context():
        try:
            return deliver_pending()
        except Exception:  # e.g. the database restarting: the rows wait for the next pass
            log.exception("outbox delivery pass failed")
            db.session.rollback()
            return 0
        finally:
            _delete_expired_documents(app)
            db.session.remove()


def _delete_expired_documents(app: Flask) -> None:
    """Run the papers' retention job from the delivery loop, at most once per DOCUMENT_SWEEP_SECONDS."""
    now, last = time.monotonic(), app.extensions.get("documents_swept_at")
    if last is not None and now - last < float(app.config.get("DOCUMENT_SWEEP_SECONDS") or 3600):
        return
    app.extensions["documents_swept_at"] = now
    try:
        documents.delete_expired()
    except Exception:  # the next sweep retries; a paper's date does not move
        log.exception("document retention pass failed")
        db.session.rollback()
