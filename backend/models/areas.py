"""Co-ordination areas and their per-area policies (filing rules and reimbursement)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models._types import Money, Ratio, UTCDateTime, utcnow

AREA_LEVELS = ("province", "prefecture", "county")


class Area(db.Model):
    """An administrative division (GB/T 2260) and the co-ordination area it pools in."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    short_name: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("areas.code"))
    province_code: Mapped[str] = mapped_column(String(6))
    # The co-ordination area (统筹区) whose policy applies; itself for a pool.
    pool_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("areas.code"), index=True)
    is_pool: Mapped[bool] = mapped_column(Boolean, default=False)
    files_at_province_level: Mapped[bool] = mapped_column(Boolean, default=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)


class AreaPolicy(db.Model):
    """One version of a co-ordination area's rules, in force from effective_from.

    Versions are never edited in place once decisions use them: a change is a new
    row, so every filing can point at the exact rules it was decided under.
    """

    __tablename__ = "area_policies"
    __table_args__ = (UniqueConstraint("area_code", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(String(6), ForeignKey("areas.code"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(500), default="")

    # Filing rules (DOMAIN.md section 1).
    categories_offered: Mapped[list] = mapped_column(JSON, default=list)
    # category -> list of alternatives, each alternative a list of material codes.
    materials: Mapped[dict] = mapped_column(JSON, default=dict)
    commitment_letter_categories: Mapped[list] = mapped_column(JSON, default=list)
    self_service_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    manual_review_categories: Mapped[list] = mapped_column(JSON, default=list)
    change_lock_months: Mapped[int] = mapped_column(Integer, default=6)
    commitment_lock_months: Mapped[int] = mapped_column(Integer, default=6)
    temporary_validity_months: Mapped[int] = mapped_column(Integer, default=6)
    referral_validity_months: Mapped[int] = mapped_column(Integer, default=6)
    emergency_late_filing_days: Mapped[int] = mapped_column(Integer, default=5)
    # Days uploaded papers are kept after the decision (None: DOCUMENT_RETENTION_DAYS, 30 by default).
    document_retention_days: Mapped[int | None] = mapped_column(Integer)

    # Institution choice (DOMAIN.md section 2); None means no limit.
    max_institutions: Mapped[int | None] = mapped_column(Integer)
    allowed_levels: Mapped[list | None] = mapped_column(JSON)

    # Ratio reductions in ratio points for temporary categories (section 4.1).
    reduction_referral: Mapped[Decimal] = mapped_column(Ratio, default=Decimal("0.10"))
    reduction_emergency: Mapped[Decimal] = mapped_column(Ratio, default=Decimal("0.10"))
    reduction_other_temporary: Mapped[Decimal] = mapped_column(Ratio, default=Decimal("0.20"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="system")

    area: Mapped[Area] = relationship()
    reimbursement_rules: Mapped[list["ReimbursementRule"]] = relationship(
        back_populates="policy", cascade="all, delete-orphan"
    )
    chronic_diseases: Mapped[list["AreaChronicDisease"]] = relationship(
        back_populates="policy", cascade="all, delete-orphan"
    )


class ReimbursementRule(db.Model):
    """Deductible, ratio and annual cap for one scheme x status x level x visit type."""

    __tablename__ = "reimbursement_rules"
    __table_args__ = (
        UniqueConstraint("policy_id", "scheme", "person_status", "institution_level", "visit_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("area_policies.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(String(16))  # employee | resident
    person_status: Mapped[str] = mapped_column(String(16))  # working | retired | any
    institution_level: Mapped[str] = mapped_column(String(8))  # 3 | 2 | 1 | any
    visit_type: Mapped[str] = mapped_column(String(16))  # inpatient | outpatient | chronic
    deductible: Mapped[Decimal] = mapped_column(Money)
    ratio: Mapped[Decimal] = mapped_column(Ratio)
    annual_cap: Mapped[Decimal] = mapped_column(Money)

    policy: Mapped[AreaPolicy] = relationship(back_populates="reimbursement_rules")


class AreaChronicDisease(db.Model):
    """A chronic disease the insured area has opened for cross-provincial settlement."""

    __tablename__ = "area_chronic_diseases"

    policy_id: Mapped[int] = mapped_column(ForeignKey("area_policies.id", ondelete="CASCADE"), primary_key=True)
    disease_code: Mapped[str] = mapped_column(ForeignKey("diseases.code"), primary_key=True)
    # Some diseases (e.g. dialysis) settle by a fixed monthly amount that caps the fund.
    fixed_monthly_amount: Mapped[Decimal | None] = mapped_column(Money)

    policy: Mapped[AreaPolicy] = relationship(back_populates="chronic_diseases")


Index("ix_areas_level_province", Area.level, Area.province_code)
