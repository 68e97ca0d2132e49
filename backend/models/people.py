"""Insured persons, their WeChat identities, family links and chronic qualifications."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.lib import crypto, idnumber
from backend.lib.masking import mask_name, mask_phone
from backend.models._types import EncryptedText, UTCDateTime, utcnow

SCHEMES = ("employee", "resident")
EMPLOYMENT = ("working", "retired")
INSURANCE_STATUSES = ("normal", "suspended", "terminated")
CONTRIBUTION_STATUSES = ("paid", "interrupted")
CONSENT_STATES = ("invited", "consented", "offline_proof", "revoked")


class Person(db.Model):
    """An insured person; the ID number is stored encrypted plus a keyed lookup hash."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deferred: decrypting costs more than the rest of a dialog turn, and few paths need it.
    id_number_encrypted: Mapped[str] = mapped_column(EncryptedText, deferred=True)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    insured_area_code: Mapped[str] = mapped_column(String(6), ForeignKey("areas.code"))
    scheme: Mapped[str] = mapped_column(String(16), default="employee")
    employment_status: Mapped[str] = mapped_column(String(16), default="working")
    insurance_status: Mapped[str] = mapped_column(String(16), default="normal")
    contribution_status: Mapped[str] = mapped_column(String(16), default="paid")
    phone_encrypted: Mapped[str | None] = mapped_column(EncryptedText, deferred=True)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    large_text: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    qualifications: Mapped[list["Qualification"]] = relationship(back_populates="person")

    def set_id_number(self, raw: str) -> None:
        """Validate, encrypt and index an ID number (raises InvalidIdNumber)."""
        number = idnumber.validate(raw)
        self.id_number_encrypted = number
        self.id_number_hash = crypto.cipher().lookup_hash(number)
        self.id_number_masked = idnumber.mask(number)

    def set_phone(self, phone: str | None) -> None:
        """Store a phone number encrypted, with its masked form for display."""
        self.phone_encrypted = phone
        self.phone_masked = mask_phone(phone) if phone else None

    @property
    def name_masked(self) -> str:
        """Return the name with all but the first character hidden (张*)."""
        return mask_name(self.name)

    @staticmethod
    def hash_for(raw: str) -> str:
        """Return the lookup hash for a raw ID number (validating it first)."""
        return crypto.cipher().lookup_hash(idnumber.validate(raw))


class WeChatIdentity(db.Model):
    """An openid (official account or mini-program) and the person it is bound to."""

    __tablename__ = "wechat_identities"
    __table_args__ = (UniqueConstraint("app_id", "openid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64), default="")
    openid: Mapped[str] = mapped_column(String(128))
    unionid: Mapped[str | None] = mapped_column(String(128), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by signing out of the pages: a page session carries the generation it began in, so a
    # copy of the cookie made before sign-out no longer works (issue #19).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    person: Mapped[Person | None] = relationship()


class FamilyLink(db.Model):
    """A relative (agent) who may act for a member once the member consents."""

    __tablename__ = "family_links"
    __table_args__ = (UniqueConstraint("agent_person_id", "member_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    member_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    # The member as the agent sees them ("mother"), and the agent as the member sees them ("son").
    relation: Mapped[str] = mapped_column(String(32))
    agent_relation: Mapped[str] = mapped_column(String(32), default="other")
    consent_state: Mapped[str] = mapped_column(String(16), default="invited")
    invitation_code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proof_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    proof_note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agent: Mapped[Person] = relationship(foreign_keys=[agent_person_id])
    member: Mapped[Person] = relationship(foreign_keys=[member_person_id])

    @property
    def active(self) -> bool:
        """Return whether the agent may act for the member now."""
        return self.consent_state in ("consented", "offline_proof")


class Qualification(db.Model):
    """A chronic-disease qualification certified by the person's insured area."""

    __tablename__ = "qualifications"
    __table_args__ = (UniqueConstraint("person_id", "disease_code", "certified_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    disease_code: Mapped[str] = mapped_column(ForeignKey("diseases.code"))
    insured_area_code: Mapped[str] = mapped_column(String(6), ForeignKey("areas.code"))
    certified_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="qualifications")
