"""The one table of outbox topics and their handlers, loaded by every kind of worker.

A handler is called with the message inside an app context. It returns normally when the receiver
has the message, raises RetryLater for a transient failure and DeliveryFailed for a permanent one
(backend/worker/errors.py). on_retry(message, reason) and on_failure(message, reason) run in the
transaction that records the outcome, so a handler can show the person that delivery waits or failed.

The dispatcher picks the longest prefix of a message's topic. A topic no prefix matches is marked
failed with "no handler": tests/worker/test_worker_alone.py sends every topic the app enqueues
through a worker that imports nothing else, so a handler left out of this table fails a test.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from backend.models import OutboxMessage
from backend.services.filing import handoff
from backend.services.wechat import wechat_login, wechat_replies
from backend.worker import wechat_notifications

Handler = Callable[[OutboxMessage], None]
Hook = Callable[[OutboxMessage, str], None]


@dataclass(frozen=True)
class Registration:
    """A topic prefix's handler and the hooks that run when delivery waits or fails for good."""

    deliver: Handler
    on_retry: Hook | None = None
    on_failure: Hook | None = None


HANDLERS: dict[str, Registration] = {
    # A filing version handed to the settlement service (never lost, never twice).
    "filing.": Registration(handoff.deliver_filing, on_retry=handoff.on_retry, on_failure=handoff.on_failure),
    # "Your filing was decided / handed off / refused": subscribe message or customer-service message.
    "notification.": Registration(wechat_notifications.deliver_notification),
    # The official account's replies that did not fit in the 5-second answer.
    "wechat.customer_service": Registration(wechat_replies.deliver_customer_service),
    # Linking an official-account identity with the same person's mini-program identity (unionid).
    "wechat.link_identity": Registration(wechat_login.link_identity),
}
