"""Offline proof of a family relation, recorded by staff for members who cannot consent themselves."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from backend.extensions import db
from backend.lib import idnumber
from backend.models import FamilyLink, Person, StaffUser
from backend.services.filing import family
from backend.lib.errors import DomainError, NotFound
from backend.services.console.staff_accounts import can_decide, require, visible_areas
from dialogs.prompts.catalogue import pairs

# The papers a window clerk accepts as proof of the relation (DOMAIN.md 5: the elderly, disabled or
# minors who cannot consent in the app themselves).
PROOF_DOCUMENTS = pairs("label.proof_documents")


@dataclass
class LinkRow:
    id: int
    agent_name: str
    member_name: str
    member_id_masked: str
    member_area: str
    relation: str
    agent_relation: str
    state: str
    created_at: object


def _rows(staff: StaffUser, *conditions) -> list[LinkRow]:
    agent, member = aliased(Person), aliased(Person)
    areas = visible_areas(staff)
    query = (select(FamilyLink, agent.name, member.name, member.id_number_masked, member.insured_area_code)
             .join(agent, agent.id == FamilyLink.agent_person_id)
             .join(member, member.id == FamilyLink.member_person_id).where(*conditions)
             .order_by(FamilyLink.created_at, FamilyLink.id).limit(100))
    if areas is not None:
        query = query.where(member.insured_area_code.in_(areas or ["-"]))
    return [LinkRow(link.id, agent_name, member_name, masked, area, link.relation, link.agent_relation,
                    link.consent_state, link.created_at)
            for link, agent_name, member_name, masked, area in db.session.execute(query).all()]


def waiting_links(staff: StaffUser, id_number: str = "") -> list[LinkRow]:
    """Return the invitations still waiting for consent in the staff member's areas (or one member's)."""
    conditions = [FamilyLink.consent_state == "invited"]
    if id_number.strip():
        try:
            member = db.session.scalar(select(Person.id).where(Person.id_number_hash == Person.hash_for(id_number)))
        except idnumber.InvalidIdNumber:
            raise DomainError("family_invalid_id_number") from None
        conditions = [FamilyLink.member_person_id == (member or -1)]
    return _rows(staff, *conditions)


def _person_by_id_number(raw: str) -> Person:
    try:
        person = db.session.scalar(select(Person).where(Person.id_number_hash == Person.hash_for(raw or "")))
    except idnumber.InvalidIdNumber:
        raise DomainError("family_invalid_id_number") from None
    if person is None:
        raise NotFound("family_member_not_found")
    return person


def record_offline_proof(staff: StaffUser, *, member_id_number: str, agent_id_number: str, relation: str,
                         agent_relation: str, document: str, note: str = "") -> FamilyLink:
    """Record a relation proven at the counter (reviewers of the member's insured area only); commits."""
    if document not in PROOF_DOCUMENTS:
        raise DomainError("proof_document_invalid")
    member = _person_by_id_number(member_id_number)
    agent = _person_by_id_number(agent_id_number)
    # The member's insured area keeps their file, so its reviewers check the proof; others see nothing.
    if visible_areas(staff) is not None and member.insured_area_code not in staff.area_codes:
        raise NotFound("family_member_not_found")
    require(can_decide(staff, member.insured_area_code), area=member.insured_area_code)
    evidence = PROOF_DOCUMENTS[document][0] + (f"：{note.strip()}" if note.strip() else "")
    return family.record_offline_proof(staff.id, agent.id, member.id, relation, evidence, agent_relation=agent_relation)
