"""Records that make security checks hold across processes: keys used once, failed staff sign-ins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models._types import UTCDateTime, utcnow


class UsedOnceKey(db.Model):
    """A key that may be used once until it expires: a WeChat nonce, a page sign-in code.

    The primary key makes a second use fail to insert in any process; rows past expires_at are
    no longer needed (the timestamp or code they protect is refused as stale by then) and are pruned.
    """

    __tablename__ = "used_once_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StaffLoginFailure(db.Model):
    """A failed console sign-in, counted per address and per username when there is no Redis."""

    __tablename__ = "staff_login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_staff_login_failures_key_at", StaffLoginFailure.key, StaffLoginFailure.at)
