"""Notifications to people (filing decided, hand-off done or failed), sent later by the worker.

Requests never call WeChat: they queue a notification in the outbox in their own transaction,
and the worker sends it (subscribe message and/or customer-service message) with retries:
backend/worker/wechat_notifications.py.
"""
from __future__ import annotations

from backend.models import OutboxMessage
from backend.services.filing import outbox

KINDS = ("filing_decided", "handoff_delivered", "handoff_failed")


def notify(person_id: int, kind: str, params: dict, *, key: str) -> OutboxMessage:
    """Queue a notification of kind for a person; key makes a repeat of the same event a no-op."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    return outbox.enqueue(f"notification.{kind}", "person", str(person_id),
                          {"person_id": person_id, "kind": kind, "params": params}, key=f"notify:{key}")
