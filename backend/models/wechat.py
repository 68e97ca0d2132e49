"""WeChat channel records: inbound messages (retry dedup), messages we sent, subscribe consents."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models._types import UTCDateTime, utcnow


class WeChatInboundMessage(db.Model):
    """A message or event WeChat pushed to us, recorded once.

    WeChat re-sends a message it got no answer to within 5 seconds (up to 3 times);
    the unique key makes a retry fail to insert, so it can never run a second turn.
    The rows also tell when a user last wrote, which opens the 48-hour window for
    customer-service messages.
    """

    __tablename__ = "wechat_inbound_messages"
    __table_args__ = (UniqueConstraint("app_id", "dedup_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64))
    # "msg:<MsgId>" for messages, "evt:<FromUserName>:<CreateTime>:<Event>" for events.
    dedup_key: Mapped[str] = mapped_column(String(200))
    openid: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_wechat_inbound_user_time", WeChatInboundMessage.app_id, WeChatInboundMessage.openid,
      WeChatInboundMessage.received_at)


class WeChatOutboundMessage(db.Model):
    """A message we sent on our own initiative (customer-service or subscribe message)."""

    __tablename__ = "wechat_outbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64))
    openid: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))  # customer_service | subscribe
    purpose: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_wechat_outbound_user_time", WeChatOutboundMessage.app_id, WeChatOutboundMessage.openid,
      WeChatOutboundMessage.sent_at)


class WeChatSubscription(db.Model):
    """One-time subscribe-message consents a mini-program user gave for a notification kind.

    Each "accept" in wx.requestSubscribeMessage allows exactly one message of that
    template, so this is a counter, spent one by one.
    """

    __tablename__ = "wechat_subscriptions"
    __table_args__ = (UniqueConstraint("identity_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("wechat_identities.id"))
    kind: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[str] = mapped_column(String(64))
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
