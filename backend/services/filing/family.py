"""Family accounts: an agent invites a member, the member consents (or staff record a proof), either revokes.

The rules (DOMAIN.md §5): at most five members; a member consents from their own WeChat
identity with a one-time, expiring code, or staff record an offline proof of the relation for
people who cannot; consent can be revoked at any time and takes effect at once, because every
check (filings.consented_links) reads the link's state on each request. Every act is audited
with the member as principal, so the member sees it on "谁看过/办过我的业务".
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from backend.extensions import db
from backend.lib import clock, crypto, idnumber
from backend.models import AuditEntry, FamilyLink, Person
from backend.services.filing import audit
from backend.services.unit_of_work import unit_of_work
from backend.lib.errors import DomainError, NotFound

MAX_MEMBERS = 5
INVITATION_DAYS = 7
# The member as the agent sees them, and the agent as the member sees them (names.relation_*).
MEMBER_RELATIONS = ("mother", "father", "spouse", "child", "grandparent", "other")
AGENT_RELATIONS = ("son", "daughter", "spouse", "child", "other")
OPEN_STATES = ("invited", "consented", "offline_proof")
# No 0/O, 1/I/L: the code is read aloud over the phone to an elderly parent.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LENGTH = 8
MAX_ID = 2**31 - 1
# Invitation attempts per account (FAMILY_INVITE_RATE_LIMIT), like binding's limit: a right name
# answers 201, so each attempt tests a name against an ID number. Counted from the audit log, hence
# shared by every process.
INVITE_ACTIONS = ("family.invited", "family.invite_refused")



class FamilyError(DomainError):
    """A family-account request that cannot be done as asked."""

    code, status = "family_error", 400


class FamilyConflict(FamilyError):
    """The request conflicts with the links that exist (full, or already a member)."""

    code, status = "family_conflict", 409


class FamilyTooManyAttempts(FamilyError):
    """The agent tried to invite too often (FAMILY_INVITE_RATE_LIMIT): guessing names for ID numbers must be slow."""

    code, status = "family_too_many_attempts", 429


class FamilyFull(FamilyConflict):
    """The agent already has the maximum number of members."""

    code = "family_full"


@dataclass(frozen=True)
class Invitation:
    """A new invitation: the link and the one-time code (shown once, stored only as a hash)."""

    link: FamilyLink
    code: str
    expires_at: datetime


def _code_hash(code: str) -> str:
    return crypto.cipher().lookup_hash("family-invitation:" + normalise_code(code))


def normalise_code(code: str) -> str:
    """Return the code upper-cased without spaces or dashes (as people type it)."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def members_of(agent: Person) -> list[FamilyLink]:
    """Return the agent's open links (invited or consented), oldest first."""
    return list(db.session.scalars(
        select(FamilyLink).options(joinedload(FamilyLink.member))
        .where(FamilyLink.agent_person_id == agent.id, FamilyLink.consent_state.in_(OPEN_STATES))
        .order_by(FamilyLink.id)
    ))


def agents_of(member: Person) -> list[FamilyLink]:
    """Return the links of relatives who act, or asked to act, for this member."""
    return list(db.session.scalars(
        select(FamilyLink).options(joinedload(FamilyLink.agent))
        .where(FamilyLink.member_person_id == member.id, FamilyLink.consent_state.in_(OPEN_STATES))
        .order_by(FamilyLink.id)
    ))


def _open_count(agent_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(FamilyLink).where(
        FamilyLink.agent_person_id == agent_id, FamilyLink.consent_state.in_(OPEN_STATES)))


def _check_relations(relation: str, agent_relation: str) -> None:
    if relation not in MEMBER_RELATIONS:
        raise FamilyError("family_invalid_relation", field="relation")
    if agent_relation not in AGENT_RELATIONS:
        raise FamilyError("family_invalid_relation", field="agent_relation")


def _check_attempts(agent: Person) -> None:
    from flask import current_app
    from limits import parse_many

    now = clock.now()
    for item in parse_many(current_app.config["FAMILY_INVITE_RATE_LIMIT"]):
        tried = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.actor_id == agent.id, AuditEntry.action.in_(INVITE_ACTIONS),
            AuditEntry.at > now - timedelta(seconds=item.get_expiry())))
        if tried >= item.amount:
            raise FamilyTooManyAttempts()


def _find_member(agent: Person, name: str, id_number: str, channel: str) -> Person:
    """Find the insured person by ID number and name; both must match (no probing by number alone).

    A wrong name and an unknown number get the same answer; when the number is someone's, that
    person reads the attempt on "谁看过/办过我的业务". Every refusal counts towards the limit.
    """
    try:
        number_hash = Person.hash_for(id_number)
    except idnumber.InvalidIdNumber as exc:
        raise FamilyError("family_invalid_id_number", reason=exc.reason) from None
    person = db.session.scalar(select(Person).where(Person.id_number_hash == number_hash))
    if person is None or person.name != (name or "").strip():
        # The refusal is kept although the request fails (it counts towards the limit): its own unit of work.
        with unit_of_work(separately=True):
            entry = audit.record("family.invite_refused", actor_kind="person", actor_id=agent.id,
                                 principal_id=person.id if person is not None else None, subject_type="person",
                                 channel=channel)
            entry.at = clock.now()
        raise NotFound("family_member_not_found")
    return person


def _link_between(agent_id: int, member_id: int) -> FamilyLink | None:
    return db.session.scalar(select(FamilyLink).where(
        FamilyLink.agent_person_id == agent_id, FamilyLink.member_person_id == member_id))


def invite_member(agent: Person, *, name: str, id_number: str, relation: str, agent_relation: str,
                  channel: str) -> Invitation:
    """Invite an insured person to let the agent act for them; returns the one-time code; a unit of work.

    A refused name is recorded in a unit of work of its own before the refusal is raised (_find_member),
    so this use case is not run inside another one.
    """
    _check_relations(relation, agent_relation)
    _check_attempts(agent)
    member = _find_member(agent, name, id_number, channel)
    if member.id == agent.id:
        raise FamilyError("family_cannot_invite_self")
    link = _link_between(agent.id, member.id)
    if link is not None and link.active:
        raise FamilyConflict("family_already_member")
    if link is None or link.consent_state == "revoked":
        if _open_count(agent.id) >= MAX_MEMBERS:
            raise FamilyFull(limit=MAX_MEMBERS)
    with unit_of_work():
        if link is None:
            link = FamilyLink(agent_person_id=agent.id, member_person_id=member.id)
            db.session.add(link)
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
        expires_at = clock.now() + timedelta(days=INVITATION_DAYS)
        link.relation, link.agent_relation = relation, agent_relation
        link.consent_state, link.consented_at, link.revoked_at = "invited", None, None
        link.invitation_code_hash, link.invitation_expires_at = _code_hash(code), expires_at
        db.session.flush()
        _audit("family.invited", agent.id, link, channel)
    return Invitation(link=link, code=code, expires_at=expires_at)


def invitation_for(member: Person, code: str) -> FamilyLink:
    """Return the open invitation a code names, if it was made for this member and has not expired."""
    normalised = normalise_code(code)
    if len(normalised) != _CODE_LENGTH:
        raise NotFound("family_invitation_invalid")
    link = db.session.scalar(select(FamilyLink).options(joinedload(FamilyLink.agent))
                             .where(FamilyLink.invitation_code_hash == _code_hash(normalised)))
    # A code sent to someone else answers like a wrong code: it reveals nothing about the invitation.
    if (link is None or link.member_person_id != member.id or link.consent_state != "invited"
            or link.invitation_expires_at is None or link.invitation_expires_at <= clock.now()):
        raise NotFound("family_invitation_invalid")
    return link


def accept_invitation(member: Person, code: str, *, channel: str) -> FamilyLink:
    """Consent, from the member's own identity, to the agent acting for them; the code is spent; a unit of work."""
    link = invitation_for(member, code)
    with unit_of_work():
        link.consent_state, link.consented_at = "consented", clock.now()
        link.invitation_code_hash, link.invitation_expires_at = None, None
        _audit("family.consented", member.id, link, channel)
    return link


def revoke(person: Person, link_id: int, *, channel: str) -> FamilyLink:
    """End a link at once: the member withdraws consent or declines, or the agent stops (a unit of work)."""
    # Ids are 32-bit in the database: a larger number (from a URL) names no link, it must not reach the driver.
    link = db.session.get(FamilyLink, link_id) if 0 < link_id <= MAX_ID else None
    # Only the two people on the link may end it; anyone else is told it does not exist.
    if link is None or person.id not in (link.member_person_id, link.agent_person_id):
        raise NotFound("family_link_not_found")
    if link.consent_state != "revoked":
        with unit_of_work():
            link.consent_state, link.revoked_at = "revoked", clock.now()
            link.invitation_code_hash, link.invitation_expires_at = None, None
            _audit("family.revoked", person.id, link, channel,
                   by="member" if person.id == link.member_person_id else "agent")
    return link


def record_offline_proof(staff_id: int, agent_person_id: int, member_person_id: int, relation: str,
                         evidence_note: str, *, agent_relation: str = "other") -> FamilyLink:
    """Record a relation proven at the counter for a member who cannot consent in WeChat (a unit of work)."""
    _check_relations(relation, agent_relation)
    if agent_person_id == member_person_id:
        raise FamilyError("family_cannot_invite_self")
    if db.session.get(Person, agent_person_id) is None or db.session.get(Person, member_person_id) is None:
        raise NotFound("family_member_not_found")
    note = (evidence_note or "").strip()
    if not note:
        raise FamilyError("family_proof_note_required")
    link = _link_between(agent_person_id, member_person_id)
    if (link is None or link.consent_state == "revoked") and _open_count(agent_person_id) >= MAX_MEMBERS:
        raise FamilyFull(limit=MAX_MEMBERS)
    with unit_of_work():
        if link is None:
            link = FamilyLink(agent_person_id=agent_person_id, member_person_id=member_person_id)
            db.session.add(link)
        link.relation, link.agent_relation = relation, agent_relation
        link.consent_state, link.consented_at, link.revoked_at = "offline_proof", clock.now(), None
        link.invitation_code_hash, link.invitation_expires_at = None, None
        link.proof_recorded_by, link.proof_note = staff_id, note[:200]
        db.session.flush()
        audit.record("family.proof_recorded", actor_kind="staff", actor_id=staff_id, principal_id=member_person_id,
                     subject_type="family_link", subject_id=str(link.id), channel="console",
                     agent_id=agent_person_id).at = clock.now()
    return link


def link_view(link: FamilyLink, viewer: Person) -> dict:
    """Return a link as one of its two people sees it (the other person's name masked)."""
    as_agent = viewer.id == link.agent_person_id
    other = link.member if as_agent else link.agent
    return {
        "id": link.id, "role": "agent" if as_agent else "member",
        "relation": link.relation if as_agent else link.agent_relation,
        "name": other.name_masked, "state": link.consent_state,
        "consented_at": link.consented_at.isoformat() if link.consented_at else None,
        "invitation_expires_at": link.invitation_expires_at.isoformat() if link.invitation_expires_at else None,
        "person_key": f"member:{link.member_person_id}" if as_agent and link.active else None,
    }


def _audit(action: str, actor_id: int, link: FamilyLink, channel: str, **detail) -> None:
    entry = audit.record(action, actor_kind="person", actor_id=actor_id, principal_id=link.member_person_id,
                         subject_type="family_link", subject_id=str(link.id), channel=channel,
                         agent_id=link.agent_person_id, **detail)
    # The audit default is the wall clock; the service clock keeps tests with frozen time consistent.
    entry.at = clock.now()
