"""The audit log: who did what, for whom, when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models._types import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """An act by a person, a staff member or the system, never updated or deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # person | staff | system
    actor_id: Mapped[int | None] = mapped_column()
    principal_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(16), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


Index("ix_audit_log_principal_at", AuditEntry.principal_person_id, AuditEntry.at)
# A person's own recent acts of one kind (family invitation attempts, counted for their limit).
Index("ix_audit_log_actor_action_at", AuditEntry.actor_id, AuditEntry.action, AuditEntry.at)
