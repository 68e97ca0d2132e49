"""Enqueue hand-off messages in the same transaction as the change they announce."""
from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from backend.extensions import db
from backend.lib import clock
from backend.models import OutboxMessage

_WAKE = "outbox_wake"


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
    db.session.info[_WAKE] = True
    return message


@event.listens_for(Session, "after_commit")
def _wake_worker(session: Session) -> None:
    # Only after the commit: a worker woken earlier could not see the rows yet.
    if session.info.pop(_WAKE, False):
        from backend.services.delivery import kick

        kick()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WAKE, None)
