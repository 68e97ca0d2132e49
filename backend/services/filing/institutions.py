"""Institution use cases: would a visit settle there (and what instead), and recording a choice."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy import delete, select

from backend.extensions import db
from backend.lib import clock
from backend.models import Area, Disease, Filing, FilingInstitution, Institution, Person
from backend.rules import institution_choice as rules
from backend.services.filing import audit, filings
from backend.lib.errors import DomainError, NotFound
from backend.services.dialog.gazetteer import area_name
from backend.services.filing.institution_search import SearchFilters, get_institution, search
from backend.services.data.reference_data import current_policy
from backend.services.unit_of_work import unit_of_work


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
    submitted = filing.submitted_at.date() if filing.submitted_at else None
    return rules.FilingView(filing.reference, filing.status, filing.treatment_area_code, filing.start_date,
                            filing.end_date, chosen, submitted)


def relevant_filing(principal: Person, area_code: str, on: date) -> Filing | None:
    """Pick the approved filing that decides a visit: one for that area first, else any approved one."""
    active = [f for f in filings.active_filings(principal.id) if f.status == "approved"]
    covering = [f for f in active if f.start_date <= on and (f.end_date is None or on <= f.end_date)]
    for pool in (covering, active):
        for f in pool:
            if f.treatment_area_code == area_code:
                return f
    return (covering or active or [None])[0]


def visit_filing(principal: Person, area_code: str, on: date) -> Filing | None:
    """Pick the filing a visit on a date is judged by, pending ones included, so the answer can name it.

    In force for the area first; then one for the area that is waiting for review, starts later or has
    ended; then one in force elsewhere; then any.
    """
    active = filings.active_filings(principal.id)
    if not active:
        return None

    def rank(f: Filing) -> tuple:
        in_force = f.status == "approved" and rules.filing_state(_filing_view(f), on) == "in_force"
        return (f.treatment_area_code == area_code and in_force, f.treatment_area_code == area_code,
                f.status == "pending_review", in_force, f.start_date)
    return max(active, key=rank)


def names_for(*codes: str | None, lang: str = "zh_CN") -> dict:
    """Area and disease codes -> their names in the reply's language (Shenzhen, not 深圳市, in English)."""
    names = {}
    english = lang.startswith("en")
    for code in filter(None, codes):
        area = db.session.get(Area, code)
        if area is not None:
            names[code] = area_name(code, lang) or area.name
            continue
        disease = db.session.get(Disease, code)
        names[code] = (disease.name_en if english and disease.name_en else disease.name_zh) if disease else code
    return names


def _qualified(principal: Person, disease: str | None, on: date) -> bool:
    return bool(disease) and any(
        q.disease_code == disease and q.certified_on <= on and (q.valid_until is None or on <= q.valid_until)
        for q in principal.qualifications)


def _maintenance_on(on: date) -> tuple[str, str] | None:
    from backend.settlement.service import maintenance_windows

    try:
        windows = maintenance_windows()
    except ValueError:  # a malformed setting is the operator's to fix; it must not break the answer
        return None
    clash = next((w for w in windows if w.starts.date() <= on <= w.ends.date()), None)
    return (clash.starts.strftime("%m月%d日 %H:%M"), clash.ends.strftime("%m月%d日 %H:%M")) if clash else None


# Failures another institution fixes; for the others (no filing in force, not qualified, the platform)
# a list of institutions would not help, so the answer says what to do instead.
ANOTHER_INSTITUTION_HELPS = {"in_filed_area", "networked_for_service", "networked_for_disease", "level_allowed",
                             "chosen_institution"}


def settlement_check(actor: Person, principal_key: str, code: str, visit: str, *, disease: str | None = None,
                     on: date | None = None, lang: str = "zh_CN",
                     location: tuple[float, float] | None = None) -> dict:
    """Say whether a visit on a date would settle directly at an institution, why not, and what would.

    Judged on the visit date: the filing in force that day (a pending, later or expired filing is named
    with what it means), the institution's networked service (and disease), the chronic-disease
    qualification, the area's level and choice rules and the platform's maintenance windows.
    Alternatives are listed only when another institution would settle for this person; they are
    ordered by distance only from a `location` the person gave, else by level and name.
    """
    on = on or clock.today()
    principal, _ = filings.resolve_principal(actor, principal_key)
    inst = get_institution(code)
    if inst is None:
        raise NotFound("institution_not_found", institution=code)
    filing = visit_filing(principal, inst.area_code, on)
    choice = choice_rules(principal.insured_area_code, on)
    qualified = _qualified(principal, disease, on) if visit == "chronic" else None
    verdict = rules.explain_visit(view(inst), _filing_view(filing), visit, on, choice, disease,
                                  qualified=qualified, maintenance=_maintenance_on(on),
                                  insurance=(principal.insurance_status, principal.contribution_status),
                                  today=clock.today())
    names = names_for(inst.area_code, filing.treatment_area_code if filing else None, disease, lang=lang)
    checks = [{**asdict(c), "message": None if c.passed else rules.explain(c, lang, names)} for c in verdict.checks]
    failed = {c.code for c in verdict.failed()}
    helps = bool(failed) and failed <= ANOTHER_INSTITUTION_HELPS
    alternatives = _alternatives(inst, filing, visit, disease, choice, location) if helps else []
    state = rules.filing_state(_filing_view(filing), on)
    return {
        "institution": {"code": inst.code, "name": inst.name, "area_code": inst.area_code,
                        "area_name": names.get(inst.area_code)},
        "visit": visit, "disease": disease, "date": on.isoformat(), "settles": verdict.settles,
        "filing": filing.reference if filing else None, "filing_state": state,
        "checks": checks, "alternatives": [asdict(h) for h in alternatives],
        "next_steps": _next_steps(verdict.settles, state if on >= clock.today() else "past", failed),
    }


def _next_steps(settles: bool, state: str, failed: set[str]) -> list[str]:
    """What a person would naturally do after the answer: file, estimate the cost, look at another place."""
    steps = []
    if state in ("none", "expired", "refused") or "in_filed_area" in failed:
        steps.append("file")
    if settles or failed <= {"filing_valid"} and state in ("not_started", "pending_review"):
        steps.append("estimate")  # worth knowing once it will settle
    steps.append("another")
    return steps


def alternatives_for(actor: Person, principal_key: str, code: str, visit: str, *, disease: str | None = None,
                     on: date | None = None) -> list[dict]:
    """Return up to three institutions where the visit would settle (filed area, networked, chosen)."""
    on = on or clock.today()
    principal, _ = filings.resolve_principal(actor, principal_key)
    inst = get_institution(code)
    if inst is None:
        return []
    filing = relevant_filing(principal, inst.area_code, on)
    choice = choice_rules(principal.insured_area_code, on)
    return [asdict(h) for h in _alternatives(inst, filing, visit, disease, choice)]


def _alternatives(inst: Institution, filing: Filing | None, visit: str, disease: str | None,
                  choice: rules.ChoiceRules, location: tuple[float, float] | None = None) -> list:
    """Three that would settle: in the filed area, networked, allowed (and chosen); nearest only from the person."""
    area = filing.treatment_area_code if filing else inst.area_code
    point = location if location is not None else (None, None)
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
    """Record the institutions chosen on a filing where the insured area requires a choice (a unit of work)."""
    filing = filings.get_filing(actor, reference)
    principal, _ = filings.resolve_principal(actor, "self" if filing.principal_person_id == actor.id
                                             else f"member:{filing.principal_person_id}")
    choice = choice_rules(principal.insured_area_code, clock.today())
    if not choice.requires_choice:
        raise DomainError("choice_not_required")
    found = {i.code: view(i) for i in db.session.scalars(select(Institution).where(Institution.code.in_(codes)))}
    problems = rules.validate_choice(codes, found, filing.treatment_area_code, choice)
    if problems:
        names = names_for(filing.treatment_area_code)
        raise DomainError("invalid_choice", reasons="；".join(rules.explain(p, "zh_CN", names) for p in problems),
                          checks=[asdict(p) for p in problems])
    with unit_of_work():
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
        audit.record("filing.institutions_chosen", actor_kind="person", actor_id=actor.id,
                     principal_id=principal.id, subject_type="filing", subject_id=reference,
                     channel=channel, codes=codes)
    db.session.refresh(filing)
    return filing
