"""Outpatient chronic and special diseases (门诊慢特病), kept as data."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db


class Disease(db.Model):
    """A disease with its names and the words people use for it."""

    __tablename__ = "diseases"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    synonyms: Mapped[list] = mapped_column(JSON, default=list)
    national_since: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
