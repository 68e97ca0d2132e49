"""Deliver outbox messages to their receivers (settlement service, WeChat), in order per aggregate.

A handler is registered for a topic prefix and is called with the message inside an app
context. It returns normally when the receiver has the message (the worker then marks it
delivered and commits whatever the handler changed), raises RetryLater for a transient
failure (down, slow, 5xx: retried with backoff) and DeliveryFailed for a permanent one.
"""
from __future__ import annotations

from typing import Callable

from backend.models import OutboxMessage

Handler = Callable[[OutboxMessage], None]
_HANDLERS: dict[str, Handler] = {}


class RetryLater(Exception):
    """The receiver could not take the message now; try again later."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class DeliveryFailed(Exception):
    """The receiver refused the message for good; retrying would not help."""


def handles(prefix: str) -> Callable[[Handler], Handler]:
    """Register a handler for topics starting with prefix (e.g. "filing.", "notification.")."""

    def register(func: Handler) -> Handler:
        _HANDLERS[prefix] = func
        return func

    return register


def handler_for(topic: str) -> Handler | None:
    """Return the handler of the longest registered prefix of topic."""
    matches = [p for p in _HANDLERS if topic.startswith(p)]
    return _HANDLERS[max(matches, key=len)] if matches else None
