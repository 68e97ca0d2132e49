"""Staff accounts for the review console, separate from WeChat users."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models._types import UTCDateTime, utcnow

ROLES = ("reviewer", "area_admin", "auditor")


class StaffUser(db.Model):
    """A reviewer, area administrator or auditor."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    area_codes: Mapped[list] = mapped_column(JSON, default=list)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Console (issue #9): the last accepted TOTP time step, so a code is never accepted twice.
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by signing out: a session cookie carries the generation it began in, so a copy of it
    # made before sign-out no longer works (issue #19).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
