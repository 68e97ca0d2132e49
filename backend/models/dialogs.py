"""Dialog sessions: the stored state of a conversation, shared by every channel."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models._types import UTCDateTime, utcnow


class DialogSession(db.Model):
    """One conversation per user, resumable on any channel and after a restart."""

    __tablename__ = "dialog_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "person:<id>" once bound, else "<channel>:<openid>"; one live session per user.
    user_key: Mapped[str] = mapped_column(String(160), unique=True)
    flow: Mapped[str] = mapped_column(String(32))
    flow_version: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[str] = mapped_column(String(64))
    slots: Mapped[dict] = mapped_column(JSON, default=dict)
    # The engine's bookkeeping: undo records for "back", the numbered choices shown, turn count.
    engine_data: Mapped[dict] = mapped_column(JSON, default=dict)
    # Optimistic lock: a turn claims the row with UPDATE ... WHERE version = <the version it read>
    # (services/dialog/dialog_turns.py) before it acts, so concurrent turns lose before doing anything.
    version: Mapped[int] = mapped_column(Integer, default=1)
    last_channel: Mapped[str] = mapped_column(String(16), default="api")
    last_turn_key: Mapped[str | None] = mapped_column(String(128))
    last_reply: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DialogMessageKey(db.Model):
    """A client message id a session has already applied, with the reply it got.

    Every id is kept (not only the last), so a retry that arrives after later messages
    is answered as it was the first time and changes nothing. Rows are written as the
    last write of their turn (services/dialog/message_keys.py) and pruned after three days.
    """

    __tablename__ = "dialog_message_keys"
    __table_args__ = (UniqueConstraint("session_id", "message_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialog_sessions.id", ondelete="CASCADE"))
    message_key: Mapped[str] = mapped_column(String(128))
    reply: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_dialog_message_keys_created_at", DialogMessageKey.created_at)
