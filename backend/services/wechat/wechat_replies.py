"""Chat replies for the official account: capped, split sensibly, extra parts by customer-service message.

WeChat shows a passive reply only if it is one message of at most 2,048 bytes; we cap
a message at 600 Chinese characters (1,800 bytes of UTF-8) and at 120 in large-text
mode, numbered choices included. What does not fit in the passive reply is sent afterwards
as customer-service messages, which WeChat allows only within 48 hours after the user last wrote; we also
send at most 5 of them per user in that window (counted in the database) so that
notifications are never crowded out.
"""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import func, select

from backend import messages
from backend.adapters import wechat as wechat_api
from backend.extensions import db
from backend.lib import clock
from backend.models import OutboxMessage, WeChatInboundMessage, WeChatOutboundMessage
from backend.services.filing import outbox
from backend.services.unit_of_work import transactional
from backend.worker.errors import DeliveryFailed, RetryLater
from dialogs.prompts import LARGE_MAX_CHARS

log = logging.getLogger(__name__)

MAX_CHARS = 600
# Large text (DOMAIN.md 5): a reply with its numbered choices is at most 120 characters, the same
# cap the prompt catalogue is checked against, so a reply is never split in the middle of its choices.
MAX_PARTS = 4                      # one passive reply and at most three follow-ups per turn
WINDOW = timedelta(hours=48)
WINDOW_MAX_MESSAGES = 5
# 45015: the user has not written in 48 h; 45047: too many customer-service messages in a row.
WINDOW_CLOSED = (45015, 45047)
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


def _hard_pieces(text: str, cap: int) -> list[str]:
    """Split text that has no line breaks at sentence ends, cutting only when a sentence is too long."""
    pieces, current = [], ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s):
        while len(sentence) > cap:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cap])
            sentence = sentence[cap:]
        if len(current) + len(sentence) > cap:
            pieces.append(current)
            current = sentence
        else:
            current += sentence
    if current:
        pieces.append(current)
    return pieces


def _join_greedily(blocks: list[str], sep: str, cap: int) -> list[str]:
    parts, current = [], ""
    for block in blocks:
        candidate = f"{current}{sep}{block}" if current else block
        if len(candidate) <= cap:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = block
    if current:
        parts.append(current)
    return parts


def split_text(text: str, cap: int) -> list[str]:
    """Split text into messages of at most cap characters, at paragraphs, then lines, then sentences."""
    blocks = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        if len(paragraph) <= cap:
            blocks.append(paragraph)
            continue
        lines = []
        for line in paragraph.split("\n"):
            lines += [line] if len(line) <= cap else _hard_pieces(line, cap)
        blocks += _join_greedily(lines, "\n", cap)
    return _join_greedily(blocks, "\n\n", cap)


def chat_parts(text: str, *, large: bool, lang: str = "zh_CN") -> list[str]:
    """Return the messages to send for a rendered reply: capped, at most MAX_PARTS of them."""
    cap = LARGE_MAX_CHARS if large else MAX_CHARS
    parts = split_text(text, cap) or [messages.text("wechat_empty_reply", lang)]
    if len(parts) > MAX_PARTS:
        more = messages.text("wechat_see_mini_program", lang)
        parts = parts[:MAX_PARTS]
        parts[-1] = parts[-1][: cap - len(more) - 1] + "\n" + more
    return parts


def queue_customer_service(app_id: str, openid: str, parts: list[str], *, key: str, purpose: str = "reply") -> None:
    """Queue customer-service text messages, one outbox row each so a retry never resends a sent part."""
    for index, part in enumerate(parts):
        outbox.enqueue("wechat.customer_service", "wechat_user", f"{app_id}:{openid}"[:64],
                       {"app_id": app_id, "openid": openid, "text": part, "purpose": purpose},
                       key=f"wxcs:{key}:{index}"[:128])


def window_open(app_id: str, openid: str) -> bool:
    """Return whether a customer-service message may be sent now (48 h window, 5 messages in it)."""
    last_inbound = db.session.scalar(
        select(func.max(WeChatInboundMessage.received_at))
        .where(WeChatInboundMessage.app_id == app_id, WeChatInboundMessage.openid == openid))
    if last_inbound is None or clock.now() - last_inbound > WINDOW:
        return False
    sent = db.session.scalar(
        select(func.count()).select_from(WeChatOutboundMessage)
        .where(WeChatOutboundMessage.app_id == app_id, WeChatOutboundMessage.openid == openid,
               WeChatOutboundMessage.channel == "customer_service",
               WeChatOutboundMessage.sent_at >= last_inbound))
    return sent < WINDOW_MAX_MESSAGES


def send_customer_service(app_id: str, openid: str, text: str, purpose: str) -> bool:
    """Send one customer-service message if the window allows; return whether it was sent.

    Raises RetryLater for transient failures and DeliveryFailed for unexpected refusals.
    """
    if not window_open(app_id, openid):
        log.info("customer-service message to %s… not sent: outside the 48 h window or over 5 messages", openid[:6])
        return False
    try:
        wechat_api.api().send_text(openid, text)
    except wechat_api.WeChatError as exc:
        if exc.errcode in WINDOW_CLOSED:
            return False
        if exc.transient:
            raise RetryLater(str(exc)) from exc
        raise DeliveryFailed(str(exc)) from exc
    db.session.add(WeChatOutboundMessage(app_id=app_id, openid=openid, channel="customer_service", purpose=purpose,
                                         sent_at=clock.now()))
    return True


def deliver_customer_service(message: OutboxMessage) -> None:
    """Send one queued customer-service text; outside the window there is nothing to send."""
    payload = message.payload
    send_customer_service(payload["app_id"], payload["openid"], payload["text"], payload.get("purpose", "reply"))


@transactional
def prune_inbound(keep: timedelta = WINDOW + timedelta(days=1)) -> int:
    """Delete inbound records older than keep (retries come within seconds; the window needs 48 h)."""
    from sqlalchemy import delete

    cutoff = clock.now() - keep
    removed = db.session.execute(delete(WeChatInboundMessage).where(WeChatInboundMessage.received_at < cutoff))
    return removed.rowcount or 0
