"""Filings (备案): who filed what, for whom, where, and how it was decided."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models._types import EncryptedText, UTCDateTime, utcnow
from dialogs.categories import CATEGORIES, LONG_TERM_CATEGORIES, TEMPORARY_CATEGORIES  # noqa: F401  (one home)

# info_requested: a reviewer asked the person for more (staff console); it leaves the review queue.
STATUSES = ("pending_review", "approved", "rejected", "cancelled", "superseded", "expired", "info_requested")
HANDOFF_STATUSES = ("none", "pending", "delivered", "failed")


class Filing(db.Model):
    """A filing for cross-provincial treatment, with its decision and hand-off state."""

    __tablename__ = "filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    # Bumped on every change that must be handed off again (change, cancel).
    version: Mapped[int] = mapped_column(Integer, default=1)
    principal_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    actor_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    actor_relation: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="api")
    category: Mapped[str] = mapped_column(String(32))
    insured_area_code: Mapped[str] = mapped_column(String(6), ForeignKey("areas.code"))
    treatment_area_code: Mapped[str] = mapped_column(String(6), ForeignKey("areas.code"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    contact_phone_encrypted: Mapped[str | None] = mapped_column(EncryptedText, deferred=True)
    contact_phone_masked: Mapped[str | None] = mapped_column(String(16))
    materials: Mapped[list] = mapped_column(JSON, default=list)
    commitment_letter: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    decision_mode: Mapped[str | None] = mapped_column(String(8))  # auto | staff
    decision_checks: Mapped[list] = mapped_column(JSON, default=list)
    decision_reason: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # The reviewer's own words added to the reason template (shown to the person).
    decision_note: Mapped[str | None] = mapped_column(String(500))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("area_policies.id"))
    lock_until: Mapped[date | None] = mapped_column(Date)
    replaces_filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
    # The client's idempotency key: a double tap or a retried submit finds this row.
    submit_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_status: Mapped[str] = mapped_column(String(16), default="none")
    handoff_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the settlement service answered (its status), or why the hand-off is waiting or failed.
    handoff_detail: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    institutions: Mapped[list["FilingInstitution"]] = relationship(cascade="all, delete-orphan")


class FilingInstitution(db.Model):
    """An institution chosen on a filing when the insured area requires a choice."""

    __tablename__ = "filing_institutions"

    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"), primary_key=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


Index("ix_filings_treatment_status", Filing.treatment_area_code, Filing.status)
Index("ix_filings_status_submitted", Filing.status, Filing.submitted_at)
# The review queue: one insured area's pending filings, oldest first (staff console).
Index("ix_filings_insured_status_submitted", Filing.insured_area_code, Filing.status, Filing.submitted_at)
