"""Institution use cases: would a visit settle there (and what instead), and recording a choice."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy import delete, select

from backend.extensions import db
from backend.lib import clock
from backend.models import Area, Disease, Filing, FilingInstitution, Institution, Person
from backend.rules import institution_choice as rules
from backend.services import audit, filings
from backend.services.errors import DomainError, NotFound
from backend.services.institution_search import SearchFilters, get_institution, search
from backend.services.reference_data import current_policy


def view(inst: Institution) -> rules.InstitutionView:
    """Return the plain view of an institution the rules take."""
    return rules.InstitutionView(inst.code, inst.name, inst.area_code, inst.level, tuple(inst.services),
                                 tuple(d.disease_code for d in inst.diseases))


def choice_rules(insured_area: str, on: date) -> rules.ChoiceRules:
    """Return the insured area's institution-choice rule in force on a date."""
    policy = current_policy(insured_area, on)
    if policy is None:
        return rules.ChoiceRules()
    levels = tuple(policy.allowed_levels) if policy.allowed_levels else None
    return rules.ChoiceRules(policy.max_institutions, levels)


def _filing_view(filing: Filing | None) -> rules.FilingView | None:
    if filing is None:
        return None
    chosen = tuple(i.institution_code for i in sorted(filing.institutions, key=lambda i: i.position))
    return rules.FilingView(filing.reference, filing.status, filing.treatment_area_code, filing.start_date,
                            filing.end_date, chosen)


def relevant_filing(principal: Person, area_code: str, on: date) -> Filing | None:
    """Pick the filing that decides a visit: one for that area first, else any approved one."""
    active = [f for f in filings.active_filings(principal.id) if f.status == "approved"]
    covering = [f for f in active if f.start_date <= on and (f.end_date is None or on <= f.end_date)]
    for pool in (covering, active):
        for f in pool:
            if f.treatment_area_code == area_code:
                return f
    return (covering or active or [None])[0]


def _names(*codes: str | None) -> dict:
    names = {}
    for code in filter(None, codes):
        area = db.session.get(Area, code)
        disease = db.session.get(Disease, code) if area is None else None
        names[code] = area.name if area else (disease.name_zh if disease else code)
    return names


def settlement_check(actor: Person, principal_key: str, code: str, visit: str, *, disease: str | None = None,
                     on: date | None = None, lang: str = "zh_CN") -> dict:
    """Say whether a visit would settle directly at an institution, why not, and three that would."""
    on = on or clock.today()
    principal, _ = filings.resolve_principal(actor, principal_key)
    inst = get_institution(code)
    if inst is None:
        raise NotFound("institution_not_found", institution=code)
    filing = relevant_filing(principal, inst.area_code, on)
    choice = choice_rules(principal.insured_area_code, on)
    verdict = rules.explain_visit(view(inst), _filing_view(filing), visit, on, choice, disease)
    names = _names(inst.area_code, filing.treatment_area_code if filing else None, disease)
    checks = [{**asdict(c), "message": None if c.passed else rules.explain(c, lang, names)} for c in verdict.checks]
    alternatives = [] if verdict.settles else _alternatives(inst, filing, visit, disease, choice)
    return {
        "institution": {"code": inst.code, "name": inst.name},
        "visit": visit, "disease": disease, "date": on.isoformat(), "settles": verdict.settles,
        "filing": filing.reference if filing else None, "checks": checks,
        "alternatives": [asdict(h) for h in alternatives],
    }


def alternatives_for(actor: Person, principal_key: str, code: str, visit: str, *, disease: str | None = None,
                     on: date | None = None) -> list[dict]:
    """Return up to three institutions near this one where the visit would settle (filed area, networked, chosen)."""
    on = on or clock.today()
    principal, _ = filings.resolve_principal(actor, principal_key)
    inst = get_institution(code)
    if inst is None:
        return []
    filing = relevant_filing(principal, inst.area_code, on)
    choice = choice_rules(principal.insured_area_code, on)
    return [asdict(h) for h in _alternatives(inst, filing, visit, disease, choice)]


def _alternatives(inst: Institution, filing: Filing | None, visit: str, disease: str | None,
                  choice: rules.ChoiceRules) -> list:
    """The nearest three that would settle: in the filed area, networked, allowed (and chosen)."""
    area = filing.treatment_area_code if filing else inst.area_code
    point = (inst.latitude, inst.longitude) if filing is None or inst.area_code == area else (None, None)
    hits = search(SearchFilters(
        area_code=area, service=None if visit == "chronic" and disease else visit,
        disease=disease if visit == "chronic" else None, levels=choice.allowed_levels or (),
        latitude=point[0], longitude=point[1], sort="distance" if point[0] is not None else "level",
        per_page=3 if not choice.requires_choice else 50, exclude_codes=(inst.code,),
    )).hits
    if choice.requires_choice and filing is not None:
        chosen = {i.institution_code for i in filing.institutions}
        hits = tuple(h for h in hits if h.code in chosen)
    return list(hits[:3])


def choose_institutions(actor: Person, reference: str, codes: list[str], *, channel: str) -> Filing:
    """Record the institutions chosen on a filing where the insured area requires a choice."""
    filing = filings.get_filing(actor, reference)
    principal, _ = filings.resolve_principal(actor, "self" if filing.principal_person_id == actor.id
                                             else f"member:{filing.principal_person_id}")
    choice = choice_rules(principal.insured_area_code, clock.today())
    if not choice.requires_choice:
        raise DomainError("choice_not_required")
    found = {i.code: view(i) for i in db.session.scalars(select(Institution).where(Institution.code.in_(codes)))}
    problems = rules.validate_choice(codes, found, filing.treatment_area_code, choice)
    if problems:
        names = _names(filing.treatment_area_code)
        raise DomainError("invalid_choice", reasons="；".join(rules.explain(p, "zh_CN", names) for p in problems),
                          checks=[asdict(p) for p in problems])
    # Codes only: loading the rows would clash with the new ones for a code chosen again.
    before = list(db.session.scalars(select(FilingInstitution.institution_code)
                                     .where(FilingInstitution.filing_id == filing.id)
                                     .order_by(FilingInstitution.position)))
    db.session.execute(delete(FilingInstitution).where(FilingInstitution.filing_id == filing.id))
    db.session.add_all(FilingInstitution(filing_id=filing.id, institution_code=c, position=i)
                       for i, c in enumerate(codes))
    if codes != before and filing.status == "approved":
        # The window settles only at chosen institutions, so the settlement service must know the
        # new choice: it is handed off as the filing's next version (a pending filing carries it
        # when approved).
        filing.version += 1
        filings._announce(filing, principal, "filing.registered")
    audit.record("filing.institutions_chosen", actor_kind="person", actor_id=actor.id, principal_id=principal.id,
                 subject_type="filing", subject_id=reference, channel=channel, codes=codes)
    db.session.commit()
    db.session.refresh(filing)
    return filing
