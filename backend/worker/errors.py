"""The two ways a handler says a message was not delivered (see dispatch.py)."""
from __future__ import annotations


class RetryLater(Exception):
    """The receiver could not take the message now; try again later."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class DeliveryFailed(Exception):
    """The receiver refused the message for good; retrying would not help."""
