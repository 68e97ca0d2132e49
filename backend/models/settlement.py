"""The settlement service's own records: filings registered by hand-off, estimates, the catalogue.

The settlement service keeps these apart from the assistant's tables: embedded, they live in the
same database; run as its own process (`flask --app "backend:create_settlement_app()"`),
in that process's database. The assistant never reads them directly, only through the client port.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models._types import Money, Ratio, UTCDateTime, utcnow


class SettlementFiling(db.Model):
    """The settlement side's current view of one filing (the latest version handed off)."""

    __tablename__ = "settlement_filings"

    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # registered | cancelled | superseded
    person_id_hash: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(32))
    insured_area_code: Mapped[str] = mapped_column(String(6))
    treatment_area_code: Mapped[str] = mapped_column(String(6))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # Where the insured area requires a choice (DOMAIN.md section 2), only these settle directly.
    chosen_institutions: Mapped[list] = mapped_column(JSON, default=list)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SettlementRegistration(db.Model):
    """One hand-off received: exactly one row per filing reference and version."""

    __tablename__ = "settlement_registrations"
    __table_args__ = (UniqueConstraint("reference", "version"),)

    # The id orders arrivals, so tests can check that each filing's versions came in order.
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SettlementEstimate(db.Model):
    """An estimate given, with the request and the figures (for support questions later)."""

    __tablename__ = "settlement_estimates"

    id: Mapped[int] = mapped_column(primary_key=True)
    insured_area_code: Mapped[str] = mapped_column(String(6))
    treatment_area_code: Mapped[str] = mapped_column(String(6))
    visit_type: Mapped[str] = mapped_column(String(24))
    total: Mapped[Decimal] = mapped_column(Money)
    fund_pays: Mapped[Decimal] = mapped_column(Money)
    person_pays: Mapped[Decimal] = mapped_column(Money)
    request: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CatalogueItem(db.Model):
    """How the treatment area's catalogue counts an item: A, B (with a first self-pay share) or C."""

    __tablename__ = "catalogue_items"
    __table_args__ = (UniqueConstraint("area_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(String(6))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(1))
    first_self_pay_ratio: Mapped[Decimal] = mapped_column(Ratio, default=Decimal("0"))
    price_ceiling: Mapped[Decimal | None] = mapped_column(Money)
    sample: Mapped[bool] = mapped_column(Boolean, default=True)


Index("ix_settlement_registrations_reference", SettlementRegistration.reference, SettlementRegistration.id)
