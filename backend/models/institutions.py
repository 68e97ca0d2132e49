"""Designated medical institutions and the services they are networked for."""
from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db

LEVELS = ("3A", "3B", "3", "2A", "2", "1", "none")
KINDS = ("hospital", "clinic", "pharmacy")
SERVICES = ("inpatient", "outpatient", "chronic", "pharmacy")


class Institution(db.Model):
    """A hospital, clinic or pharmacy, networked per service for direct settlement."""

    __tablename__ = "institutions"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    # The co-ordination area (pool) the institution belongs to, and its county/district.
    area_code: Mapped[str] = mapped_column(String(6), ForeignKey("areas.code"))
    district_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("areas.code"))
    level: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(16))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # One flag per service: a hospital networked for inpatient only cannot settle
    # an outpatient visit, a frequent failure at the window.
    net_inpatient: Mapped[bool] = mapped_column(Boolean, default=False)
    net_outpatient: Mapped[bool] = mapped_column(Boolean, default=False)
    net_chronic: Mapped[bool] = mapped_column(Boolean, default=False)
    net_pharmacy: Mapped[bool] = mapped_column(Boolean, default=False)
    # Precomputed search keys: full pinyin and initials of the name, lower case.
    name_pinyin: Mapped[str] = mapped_column(String(512), default="")
    name_initials: Mapped[str] = mapped_column(String(128), default="")
    is_sample: Mapped[bool] = mapped_column(Boolean, default=True)

    diseases: Mapped[list["InstitutionDisease"]] = relationship(cascade="all, delete-orphan")

    @property
    def services(self) -> list[str]:
        """Return the names of the services this institution is networked for."""
        return [s for s in SERVICES if getattr(self, f"net_{s}")]


class InstitutionDisease(db.Model):
    """A chronic disease an institution is networked to settle."""

    __tablename__ = "institution_diseases"

    institution_code: Mapped[str] = mapped_column(
        ForeignKey("institutions.code", ondelete="CASCADE"), primary_key=True
    )
    disease_code: Mapped[str] = mapped_column(ForeignKey("diseases.code"), primary_key=True, index=True)


Index("ix_institutions_area_district", Institution.area_code, Institution.district_code)
