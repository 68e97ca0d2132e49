"""Enqueue hand-off messages in the same transaction as the change they announce."""
from __future__ import annotations

from sqlalchemy import func, select

from backend.adapters import queue
from backend.extensions import db
from backend.lib import clock
from backend.models import OutboxMessage

def enqueue(topic: str, aggregate_type: str, aggregate_id: str, payload: dict, *, key: str) -> OutboxMessage:
    """Add an outbox message with the next per-aggregate sequence number.

    The unique (aggregate, sequence) constraint turns a concurrent writer's race
    into an integrity error that rolls back the whole change, never a gap or a
    duplicate; the idempotency key lets the receiver drop repeats.
    """
    last = db.session.scalar(
        select(func.max(OutboxMessage.sequence)).where(
            OutboxMessage.aggregate_type == aggregate_type, OutboxMessage.aggregate_id == aggregate_id
        )
    )
    now = clock.now()
    message = OutboxMessage(topic=topic, aggregate_type=aggregate_type, aggregate_id=aggregate_id,
                            sequence=(last or 0) + 1, idempotency_key=key, payload=payload,
                            created_at=now, next_attempt_at=now)
    db.session.add(message)
    queue.request_wake(db.session)
    return message
