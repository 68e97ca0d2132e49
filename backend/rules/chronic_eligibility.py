"""Can outpatient chronic/special disease care settle directly there? (DOMAIN.md section 3)

All four must hold: (1) the insured area certified the person's qualification for the
disease; (2) a valid filing covers the treatment area on the visit date (long-term
categories, or the temporary ones the insured area allows); (3) the insured area has
opened the disease for cross-provincial settlement; (4) the institution, when one is
named, is networked for that disease. Each failing condition says what to do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dialogs.categories import LONG_TERM_CATEGORIES as LONG_TERM
from dialogs.prompts.catalogue import pairs
CONDITIONS = ("qualification", "filing", "opened", "institution")


@dataclass(frozen=True)
class QualificationView:
    disease: str
    certified_on: date
    valid_until: date | None


@dataclass(frozen=True)
class FilingView:
    reference: str
    status: str
    category: str
    treatment_area_code: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class InstitutionView:
    code: str
    name: str
    area_code: str
    diseases: tuple[str, ...]


@dataclass(frozen=True)
class AreaChronicRules:
    """What the insured area opened: disease -> fixed monthly amount (None when settled by items)."""

    area_code: str
    opened: dict[str, Decimal | None]
    filing_categories: tuple[str, ...] = LONG_TERM


@dataclass(frozen=True)
class Condition:
    code: str
    passed: bool
    reason: str  # reason code of the outcome (passed or the way it failed)
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    conditions: tuple[Condition, ...]
    fixed_monthly_amount: Decimal | None = None

    def failing_first(self) -> tuple[Condition, ...]:
        """Return the conditions with the failing ones first (the order people should act in)."""
        return tuple(sorted(self.conditions, key=lambda c: c.passed))


def _qualification(qualifications, disease: str, on: date) -> Condition:
    mine = [q for q in qualifications if q.disease == disease]
    if not mine:
        return Condition("qualification", False, "qualification_missing", {"disease": disease})
    valid = [q for q in mine if q.certified_on <= on and (q.valid_until is None or on <= q.valid_until)]
    if valid:
        return Condition("qualification", True, "qualification_valid", {"disease": disease})
    latest = max(mine, key=lambda q: q.certified_on)
    if latest.certified_on > on:
        return Condition("qualification", False, "qualification_not_yet",
                         {"disease": disease, "certified_on": latest.certified_on.isoformat()})
    return Condition("qualification", False, "qualification_expired", {
        "disease": disease, "valid_until": latest.valid_until.isoformat() if latest.valid_until else None})


def _filing(filings, area: str, on: date, rules: AreaChronicRules) -> Condition:
    here = [f for f in filings if f.status == "approved" and f.treatment_area_code == area]
    if not here:
        elsewhere = next((f for f in filings if f.status == "approved"), None)
        if elsewhere is not None:
            return Condition("filing", False, "filing_other_area", {
                "reference": elsewhere.reference, "filed_area": elsewhere.treatment_area_code, "area": area})
        return Condition("filing", False, "filing_missing", {"area": area})
    covering = [f for f in here if f.start_date <= on and (f.end_date is None or on <= f.end_date)]
    if not covering:
        f = here[0]
        reason = "filing_not_started" if f.start_date > on else "filing_expired"
        return Condition("filing", False, reason, {
            "reference": f.reference, "start_date": f.start_date.isoformat(),
            "end_date": f.end_date.isoformat() if f.end_date else None, "date": on.isoformat()})
    allowed = [f for f in covering if f.category in rules.filing_categories]
    if not allowed:
        return Condition("filing", False, "filing_wrong_category", {
            "reference": covering[0].reference, "category": covering[0].category})
    return Condition("filing", True, "filing_valid", {"reference": allowed[0].reference})


def evaluate(disease: str, treatment_area: str, on: date, *, qualifications, filings,
             rules: AreaChronicRules | None, institution: InstitutionView | None = None) -> Eligibility:
    """Evaluate the four conditions for one disease, treatment area, date and optional institution."""
    conditions = [_qualification(qualifications, disease, on), _filing(filings, treatment_area, on, rules or
                                                                        AreaChronicRules("", {}))]
    opened = rules is not None and disease in rules.opened
    conditions.append(Condition("opened", opened, "disease_opened" if opened else "disease_not_opened",
                                {"disease": disease, "insured_area": rules.area_code if rules else None}))
    if institution is None:
        conditions.append(Condition("institution", True, "institution_not_named", {}))
    elif institution.area_code != treatment_area:
        conditions.append(Condition("institution", False, "institution_other_area", {
            "institution": institution.name, "institution_area": institution.area_code, "area": treatment_area}))
    else:
        ok = disease in institution.diseases
        conditions.append(Condition("institution", ok, "institution_networked" if ok else "institution_not_networked",
                                    {"institution": institution.name, "disease": disease}))
    amount = rules.opened.get(disease) if opened else None
    return Eligibility(all(c.passed for c in conditions), tuple(conditions), amount)


# Reason code -> (zh_CN, en): what is wrong (or right) and what to do next, in plain words.
SENTENCES: dict[str, tuple[str, str]] = pairs("rule.chronic_conditions")


def explain(condition: Condition, lang: str = "zh_CN", names: dict | None = None, **extra) -> str:
    """Render a condition as a sentence; names maps area and disease codes to names."""
    zh, en = SENTENCES.get(condition.reason, ("", ""))
    template = en if lang.startswith("en") else zh
    names = names or {}
    params = {k: names.get(v, v) if isinstance(v, str) else v for k, v in condition.params.items()}
    params.update(extra)
    params.setdefault("alternatives", "—")
    params.setdefault("insured_area", names.get("insured_area", ""))
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template.split("{")[0]
