"""Documents (证明材料): the papers a person uploads for a filing; metadata only, contents in the store."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models._types import UTCDateTime, utcnow

# uploaded: waiting for a reviewer; accepted / unreadable / wrong: a reviewer's verdict on this paper;
# replaced: the person sent another paper for the same material after a reviewer asked for one.
STATUSES = ("uploaded", "accepted", "unreadable", "wrong", "replaced")
REVIEW_VERDICTS = ("accepted", "unreadable", "wrong")


class Document(db.Model):
    """One uploaded paper (a photo or a PDF) standing for one of the insured area's materials."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A paper belongs to a filing, or to the dialog session whose draft will become one.
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    dialog_session_id: Mapped[int | None] = mapped_column(ForeignKey("dialog_sessions.id", ondelete="SET NULL"),
                                                          index=True)
    # The area's material code (AreaPolicy.materials), e.g. posting_letter, referral_certificate.
    material_code: Mapped[str] = mapped_column(String(64))
    owner_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    uploaded_by_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    channel: Mapped[str] = mapped_column(String(16), default="api")
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the stored (re-encoded) contents, before encryption at rest.
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer, default=1)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    reviewer_note: Mapped[str | None] = mapped_column(String(500))
    reviewed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the filing is decided; the retention job deletes the contents after this date.
    delete_after: Mapped[date | None] = mapped_column(Date)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The retention job: contents still stored whose date has passed.
Index("ix_documents_delete_after", Document.deleted_at, Document.delete_after)
