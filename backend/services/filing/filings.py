"""Filing use cases: submit (decided at once where the rules allow), list, show, cancel, change."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import date
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from backend.extensions import db
from backend.lib import clock
from backend.lib.masking import mask_name, mask_phone
from backend.models import Area, AreaPolicy, FamilyLink, Filing, FilingInstitution, Person
from dialogs.categories import TEMPORARY_CATEGORIES
from backend.rules import filing_decision as rules
from backend.services.filing import audit, paper_retention, outbox
from backend.services.console import review_reasons
from backend.lib.errors import FilingLocked, FilingNotActive, NotAllowed, NotFound
from backend.services.data.reference_data import current_policy
from backend.services.unit_of_work import unit_of_work

STATUS_OF_OUTCOME = {"approved": "approved", "pending_review": "pending_review", "refused": "rejected"}


def consented_links(actor: Person) -> list[FamilyLink]:
    """Return the links through which the actor may act for a member now."""
    return list(db.session.scalars(
        select(FamilyLink).options(joinedload(FamilyLink.member)).where(
            FamilyLink.agent_person_id == actor.id,
            FamilyLink.consent_state.in_(("consented", "offline_proof")),
        ).order_by(FamilyLink.id)
    ))


def consented_members(actor_id: int) -> list[tuple[int, str, str]]:
    """Return (member id, relation, masked name) for each member the actor may act for now, as plain values.

    The chat reads this on every turn, so it is one prebuilt column query, not the links as objects.
    """
    return [(member_id, relation, mask_name(name))
            for member_id, relation, name in db.session.execute(_members_of(), {"actor": actor_id})]


@cache
def _members_of():
    return (select(FamilyLink.member_person_id, FamilyLink.relation, Person.name)
            .join(Person, Person.id == FamilyLink.member_person_id)
            .where(FamilyLink.agent_person_id == bindparam("actor"),
                   FamilyLink.consent_state.in_(("consented", "offline_proof")))
            .order_by(FamilyLink.id))


def resolve_principal(actor: Person, principal_key: str) -> tuple[Person, FamilyLink | None]:
    """Return the person acted for ("self" or "member:<id>") and the link that allows it."""
    if principal_key in (None, "", "self"):
        return actor, None
    try:
        member_id = int(str(principal_key).split(":", 1)[1])
    except (IndexError, ValueError):
        raise NotAllowed() from None
    link = next((k for k in consented_links(actor) if k.member_person_id == member_id), None)
    if link is None:
        raise NotAllowed()
    return db.session.get(Person, member_id), link


def policy_view(policy: AreaPolicy | None) -> rules.PolicyView | None:
    """Turn a stored policy version into the plain values the rules take."""
    if policy is None:
        return None
    return rules.PolicyView(
        area_code=policy.area_code,
        categories_offered=tuple(policy.categories_offered),
        materials={k: tuple(tuple(alt) for alt in v) for k, v in (policy.materials or {}).items()},
        commitment_letter_categories=tuple(policy.commitment_letter_categories),
        self_service_enabled=policy.self_service_enabled,
        manual_review_categories=tuple(policy.manual_review_categories),
        change_lock_months=policy.change_lock_months,
        commitment_lock_months=policy.commitment_lock_months,
        temporary_validity_months=policy.temporary_validity_months,
        referral_validity_months=policy.referral_validity_months,
        emergency_late_filing_days=policy.emergency_late_filing_days,
        policy_id=policy.id,
    )


def _province_of(area_code: str) -> str:
    area = db.session.get(Area, area_code)
    if area is None:
        return ""
    return "660000" if area_code == "660000" or area.pool_code == "660000" else area.province_code


def active_filings(principal_id: int) -> list[Filing]:
    """Return the principal's pending and approved filings, newest first."""
    return list(db.session.scalars(_active_filings_of(), {"principal": principal_id}))


def active_filing_rows(principal_id: int) -> list:
    """The same filings as plain rows (column attributes only), for the chat's checks on most turns."""
    if db.session.new or db.session.dirty:
        db.session.flush()  # as the ORM's query would (autoflush): a filing made in this turn is seen
    return list(db.session.connection().execute(_active_filing_rows_of(), {"principal": principal_id}))


@cache
def _active_filing_rows_of():
    table = Filing.__table__
    return (select(table).where(table.c.principal_person_id == bindparam("principal"),
                                table.c.status.in_(rules.ACTIVE_STATUSES))
            .order_by(table.c.submitted_at.desc()))


@cache
def _active_filings_of():
    """The same query, loading Filing objects (built once)."""
    return select(Filing).from_statement(_active_filing_rows_of())


def existing_view(filing: Filing) -> rules.ExistingFiling:
    """Return the plain view of a stored filing that the rules compare against."""
    actor = db.session.get(Person, filing.actor_person_id) if filing.actor_relation else None
    return rules.ExistingFiling(
        reference=filing.reference, status=filing.status, category=filing.category,
        treatment_area_code=filing.treatment_area_code, start_date=filing.start_date, end_date=filing.end_date,
        lock_until=filing.lock_until, filed_by_relation=filing.actor_relation,
        filed_by_name_masked=actor.name_masked if actor else None,
        submitted_on=filing.submitted_at.astimezone(clock.CHINA).date(),
    )


def _payload(filing: Filing, principal: Person) -> dict:
    # Read from the table, not the relationship: a new choice may not be loaded into it yet.
    chosen = list(db.session.scalars(select(FilingInstitution.institution_code)
                                     .where(FilingInstitution.filing_id == filing.id)
                                     .order_by(FilingInstitution.position)))
    return {
        "reference": filing.reference, "version": filing.version, "status": filing.status,
        "category": filing.category, "insured_area": filing.insured_area_code,
        "treatment_area": filing.treatment_area_code, "start_date": filing.start_date.isoformat(),
        "end_date": filing.end_date.isoformat() if filing.end_date else None,
        "person_id_hash": principal.id_number_hash, "institutions": chosen,
    }


def _announce(filing: Filing, principal: Person, topic: str) -> None:
    """Queue the hand-off to settlement in this same transaction (never lost, never twice)."""
    filing.handoff_status = "pending"
    filing.handoff_updated_at = clock.now()
    outbox.enqueue(topic, "filing", filing.reference, _payload(filing, principal),
                   key=f"{filing.reference}:v{filing.version}:{topic}")


def submit_filing(actor: Person, slots: dict, *, channel: str, submit_key: str | None) -> Filing:
    """Create the filing from confirmed dialog slots and decide it (the caller's unit of work commits it)."""
    if submit_key:
        done = db.session.scalar(select(Filing).where(Filing.submit_key == submit_key))
        if done is not None:
            return done
    principal, link = resolve_principal(actor, slots.get("principal", "self"))
    application = rules.Application(
        category=slots["category"],
        insured_area_code=principal.insured_area_code,
        treatment_area_code=slots["treatment_area"],
        treatment_province_code=_province_of(slots["treatment_area"]),
        start_date=date.fromisoformat(slots["start_date"]),
        end_date=date.fromisoformat(slots["end_date"]) if slots.get("end_date") else None,
        materials_choice=slots.get("materials") if slots.get("materials") in ("commitment_letter", "documents") else None,
        replaces_reference=slots.get("replaces"),
    )
    phone = actor.phone_encrypted if slots.get("phone") == "profile" else slots.get("phone")
    return _decide_and_store(actor, principal, link, application, channel=channel, submit_key=submit_key, phone=phone)


def _decide_and_store(actor, principal, link, application, *, channel, submit_key, phone) -> Filing:
    today = clock.today()
    submitted_at = clock.now()
    policy = current_policy(principal.insured_area_code, today)
    person = rules.PersonView(
        person_id=principal.id, insured_area_code=principal.insured_area_code,
        insured_province_code=_province_of(principal.insured_area_code),
        insurance_status=principal.insurance_status, contribution_status=principal.contribution_status,
    )
    existing = [existing_view(f) for f in active_filings(principal.id)]
    decision = rules.decide_filing(application, person, policy_view(policy), existing, today)
    status = STATUS_OF_OUTCOME[decision.outcome]
    filing = Filing(
        # Placeholder until the row id gives the real reference (same transaction).
        reference=f"tmp-{uuid.uuid4().hex[:28]}", principal_person_id=principal.id,
        actor_person_id=actor.id, actor_relation=link.agent_relation if link else None, channel=channel,
        category=application.category, insured_area_code=application.insured_area_code,
        treatment_area_code=application.treatment_area_code, start_date=decision.start_date,
        end_date=decision.end_date, contact_phone_encrypted=phone,
        contact_phone_masked=mask_phone(phone) if phone else None,
        materials=[application.materials_choice] if application.materials_choice else [],
        commitment_letter=application.materials_choice == "commitment_letter",
        status=status, decision_mode=None if status == "pending_review" else "auto",
        decision_checks=[dataclasses.asdict(c) for c in decision.checks], decision_reason=decision.reason,
        policy_id=policy.id if policy else None, lock_until=decision.lock_until, submit_key=submit_key,
        submitted_at=submitted_at,
    )
    db.session.add(filing)
    db.session.flush()
    filing.reference = f"BA{today:%Y%m%d}-{filing.id:06d}"
    if status != "pending_review":
        filing.decided_at = clock.now()
    if status == "approved" and application.replaces_reference:
        old = db.session.scalar(select(Filing).where(Filing.reference == application.replaces_reference))
        old.status, old.version = "superseded", old.version + 1
        filing.replaces_filing_id = old.id
        _announce(old, principal, "filing.superseded")
    if status == "approved":
        _announce(filing, principal, "filing.registered")
    audit.record("filing.submitted", actor_kind="person", actor_id=actor.id, principal_id=principal.id,
                 subject_type="filing", subject_id=filing.reference, channel=channel,
                 outcome=decision.outcome, reason=decision.reason)
    return filing


def visible_filings(actor: Person, links: list[FamilyLink] | None = None) -> list[Filing]:
    """Return the filings of the actor and of the members who consented, newest first (links: already read)."""
    ids = [actor.id] + [k.member_person_id for k in (consented_links(actor) if links is None else links)]
    return list(db.session.scalars(
        select(Filing).where(Filing.principal_person_id.in_(ids)).order_by(Filing.submitted_at.desc(), Filing.id.desc())
    ))


def get_filing(actor: Person, reference: str) -> Filing:
    """Return a filing the actor may see; others answer not found (their existence is private)."""
    filing = db.session.scalar(select(Filing).where(Filing.reference == reference))
    if filing is None:
        raise NotFound("filing_not_found", reference=reference)
    if filing.principal_person_id != actor.id and not any(
        k.member_person_id == filing.principal_person_id for k in consented_links(actor)
    ):
        raise NotFound("filing_not_found", reference=reference)
    return filing


def _principal_key(actor: Person, filing: Filing) -> str:
    return "self" if filing.principal_person_id == actor.id else f"member:{filing.principal_person_id}"


def _ensure_unlocked(filing: Filing) -> None:
    lock = rules.can_change_or_cancel(existing_view(filing), clock.today())
    if not lock.passed:
        raise FilingLocked(reference=filing.reference, lock_until=lock.params["lock_until"])


def cancel_filing(actor: Person, reference: str, *, channel: str, reason: str = "") -> Filing:
    """Cancel an active filing once the area's lock period has passed, and announce it (a unit of work)."""
    filing = get_filing(actor, reference)
    principal, _ = resolve_principal(actor, _principal_key(actor, filing))
    if filing.status not in rules.ACTIVE_STATUSES:
        raise FilingNotActive(reference=reference, status=filing.status)
    _ensure_unlocked(filing)
    with unit_of_work():
        was_approved = filing.status == "approved"
        filing.status, filing.cancelled_at, filing.cancel_reason = "cancelled", clock.now(), reason[:200] or None
        filing.version += 1
        if was_approved:
            _announce(filing, principal, "filing.cancelled")
        paper_retention.schedule_deletion(filing)  # a cancelled filing's papers go like a decided one's
        audit.record("filing.cancelled", actor_kind="person", actor_id=actor.id, principal_id=principal.id,
                     subject_type="filing", subject_id=reference, channel=channel, reason=reason[:200])
    return filing


def change_filing(actor: Person, reference: str, changes: dict, *, channel: str) -> Filing:
    """Replace an active filing by a new one with the changed fields (lock period permitting; a unit of work)."""
    filing = get_filing(actor, reference)
    principal, link = resolve_principal(actor, _principal_key(actor, filing))
    if filing.status not in rules.ACTIVE_STATUSES:
        raise FilingNotActive(reference=reference, status=filing.status)
    _ensure_unlocked(filing)
    treatment = changes.get("treatment_area") or filing.treatment_area_code
    if db.session.get(Area, treatment) is None:
        raise NotFound("unknown_area", area=treatment)
    application = rules.Application(
        category=changes.get("category") or filing.category,
        insured_area_code=principal.insured_area_code,
        treatment_area_code=db.session.get(Area, treatment).pool_code or treatment,
        treatment_province_code=_province_of(treatment),
        start_date=changes.get("start_date") or filing.start_date,
        end_date=changes.get("end_date") or _kept_end(filing, changes),
        materials_choice=changes.get("materials") or (filing.materials[0] if filing.materials else None),
        replaces_reference=filing.reference,
    )
    with unit_of_work():
        new = _decide_and_store(actor, principal, link, application, channel=channel, submit_key=None,
                                phone=changes.get("phone") or filing.contact_phone_encrypted)
        if new.status == "pending_review" and filing.status in rules.ACTIVE_STATUSES:
            new.replaces_filing_id = filing.id
    return new


def _kept_end(filing: Filing, changes: dict):
    """A temporary stay keeps its end when only its start or city moves (and the end still follows the start)."""
    start = changes.get("start_date") or filing.start_date
    start = date.fromisoformat(start) if isinstance(start, str) else start
    category = changes.get("category") or filing.category
    if filing.end_date and category in TEMPORARY_CATEGORIES and filing.end_date > start:
        return filing.end_date
    return None


def summary(filing: Filing, *, viewer: Person | None = None, lang: str | None = None) -> dict:
    """Return the filing as the person sees it: masked, with who filed it and when, and a reviewer's words."""
    actor = db.session.get(Person, filing.actor_person_id)
    lang = lang or (viewer.language if viewer is not None else None) or "zh_CN"
    # Only a reviewer's decision has words for the person; an automatic one explains itself by its checks.
    by_staff = filing.decision_mode == "staff"
    treatment = db.session.get(Area, filing.treatment_area_code)
    insured = db.session.get(Area, filing.insured_area_code)
    return {
        "reference": filing.reference, "status": filing.status, "category": filing.category,
        "insured_area": {"code": filing.insured_area_code, "name": insured.name if insured else None},
        "treatment_area": {"code": filing.treatment_area_code, "name": treatment.name if treatment else None},
        "start_date": filing.start_date.isoformat(),
        "end_date": filing.end_date.isoformat() if filing.end_date else None,
        "lock_until": filing.lock_until.isoformat() if filing.lock_until else None,
        "filed_by": "self" if filing.actor_person_id == filing.principal_person_id else (filing.actor_relation or "other"),
        "filed_by_name": actor.name_masked if actor else None,
        "for_self": viewer is None or viewer.id == filing.principal_person_id,
        "submitted_at": filing.submitted_at.isoformat(),
        "decided_at": filing.decided_at.isoformat() if filing.decided_at else None,
        "decision_mode": filing.decision_mode,
        "checks": filing.decision_checks,
        "reason": filing.decision_reason,
        "decision_text": review_reasons.staff_reason(filing.decision_reason, lang) if by_staff else None,
        "decision_note": (filing.decision_note or None) if by_staff else None,
        "contact_phone": filing.contact_phone_masked,
        "materials": filing.materials,
        "handoff_status": filing.handoff_status,
        "channel": filing.channel,
        "institutions": [i.institution_code for i in sorted(filing.institutions, key=lambda i: i.position)],
    }

