"""The hand-off of filings to the settlement service, run by the outbox worker.

Each filing version is one outbox message (filing.registered, filing.cancelled,
filing.superseded); the settlement service registers it idempotently by reference + version.
The outcome is recorded on the filing, and the person is told when it completes or fails.
"""
from __future__ import annotations

from sqlalchemy import select

from backend.adapters.settlement import SettlementRejected, SettlementUnavailable, client
from backend.extensions import db
from backend.lib import clock
from backend.models import Filing, OutboxMessage
from backend.services.filing import audit, notifications
from backend.worker.errors import DeliveryFailed, RetryLater
from dialogs.prompts.catalogue import both

EVENTS = {"filing.registered": "registered", "filing.cancelled": "cancelled", "filing.superseded": "superseded"}

# Kinds of failed hand-off, for the dashboard: staff need to know which fault to chase, not every
# distinct message. A failure is recorded as "refused: <settlement error code> <params>" (_failed).
FAILURE_KINDS = {kind: both("console", f"handoff_{kind}")
                 for kind in ("data_invalid", "access_refused", "wrong_address", "duplicate_key", "other_refusal",
                              "unknown")}
_KIND_OF_CODE = {
    "invalid_input": "data_invalid", "bad_request": "data_invalid", "payload_too_large": "data_invalid",
    "unauthorized": "access_refused", "invalid_token": "access_refused",
    "not_found": "wrong_address", "method_not_allowed": "wrong_address",
    "idempotency_key_reused": "duplicate_key",
}


def failure_kind(detail: str | None) -> str:
    """Return the kind of a failed hand-off (a FAILURE_KINDS key) from the detail recorded on the filing."""
    words = (detail or "").removeprefix("refused:").split()
    if not words:
        return "unknown"
    return _KIND_OF_CODE.get(words[0], "other_refusal")


def _filing(message: OutboxMessage) -> Filing | None:
    return db.session.scalar(select(Filing).where(Filing.reference == message.payload["reference"]))


def _is_latest(filing: Filing | None, message: OutboxMessage) -> bool:
    return filing is not None and filing.version == message.payload.get("version")


def registration_message(message: OutboxMessage) -> dict:
    """Build the settlement service's registration body from an outbox message."""
    payload = message.payload
    return {"idempotency_key": message.idempotency_key, "event": EVENTS[message.topic],
            "reference": payload["reference"], "version": payload["version"], "category": payload["category"],
            "insured_area": payload["insured_area"], "treatment_area": payload["treatment_area"],
            "start_date": payload["start_date"], "end_date": payload.get("end_date"),
            "person_id_hash": payload["person_id_hash"], "institutions": payload.get("institutions", [])}


def _notify_once(person_id: int, kind: str, params: dict, key: str) -> None:
    # A worker whose lease ran out may acknowledge after another worker already did.
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == f"notify:{key}")) is None:
        notifications.notify(person_id, kind, params, key=key)


def on_retry(message: OutboxMessage, reason: str) -> None:
    """Show the person that the hand-off waits for the settlement service."""
    filing = _filing(message)
    if _is_latest(filing, message):
        filing.handoff_detail = "waiting: settlement service unavailable, retrying"
        filing.handoff_updated_at = clock.now()


def on_failure(message: OutboxMessage, reason: str) -> None:
    """Record a refused hand-off on the filing, audit it and tell the person once."""
    filing = _filing(message)
    if filing is None:
        return
    if _is_latest(filing, message):
        filing.handoff_status, filing.handoff_detail = "failed", f"refused: {reason}"[:200]
        filing.handoff_updated_at = clock.now()
    audit.record("filing.handoff_failed", actor_kind="system", actor_id=None,
                 principal_id=filing.principal_person_id, subject_type="filing", subject_id=filing.reference,
                 version=message.payload.get("version"), reason=reason[:200])
    _notify_once(filing.principal_person_id, "handoff_failed", {"reference": filing.reference,
                                                                 "reason": reason[:100]},
                 f"{message.idempotency_key}:failed")


def deliver_filing(message: OutboxMessage) -> None:
    """Register one filing version with the settlement service and record the answer."""
    try:
        answer = client().register(registration_message(message))
    except SettlementUnavailable as exc:
        raise RetryLater(str(exc)) from None
    except SettlementRejected as exc:
        raise DeliveryFailed(f"{exc.code} {exc.params}") from None
    filing = _filing(message)
    if filing is None:
        return
    if _is_latest(filing, message):
        filing.handoff_status = "delivered"
        filing.handoff_detail = f"settlement: {answer.get('status')}"
        filing.handoff_updated_at = clock.now()
    # Told once: the notification commits with the acknowledgement, or neither does.
    if message.topic == "filing.registered":
        # A later version (e.g. other chosen hospitals) says that the change is in effect.
        _notify_once(filing.principal_person_id, "handoff_delivered",
                     {"reference": filing.reference, "version": message.payload.get("version") or 1},
                     f"{message.idempotency_key}:delivered")
