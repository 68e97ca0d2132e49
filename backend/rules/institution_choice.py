"""Would a visit settle directly at this institution? And may it be chosen? (DOMAIN.md section 2)

Pure functions over plain values: the caller loads the filing, the insured area's
choice rules and the institution, and gets every check with a reason code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from dialogs.prompts.catalogue import pairs, word

VISITS = ("inpatient", "outpatient", "chronic", "pharmacy")
LEVEL_ORDER = ("3A", "3B", "3", "2A", "2", "1", "none")


@dataclass(frozen=True)
class InstitutionView:
    code: str
    name: str
    area_code: str
    level: str
    services: tuple[str, ...]
    diseases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilingView:
    reference: str
    status: str
    treatment_area_code: str
    start_date: date
    end_date: date | None
    chosen_codes: tuple[str, ...] = ()
    submitted_on: date | None = None


@dataclass(frozen=True)
class ChoiceRules:
    """The insured area's institution rule: None = all networked institutions (the national rule)."""

    max_institutions: int | None = None
    allowed_levels: tuple[str, ...] | None = None

    @property
    def requires_choice(self) -> bool:
        """Return whether the person must name their institutions (the older 1-3 hospitals rule)."""
        return self.max_institutions is not None


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    settles: bool
    checks: tuple[Check, ...]

    def failed(self) -> tuple[Check, ...]:
        """Return the failing checks, most important first."""
        return tuple(c for c in self.checks if not c.passed)


def _covers(filing: FilingView, on: date) -> bool:
    # An admission that starts inside the validity settles even if the filing ends during the stay.
    return filing.start_date <= on and (filing.end_date is None or on <= filing.end_date)


def filing_state(filing: FilingView | None, on: date) -> str:
    """Say where a filing stands on a visit date: in_force, none, pending_review, not_started, expired, refused."""
    if filing is None:
        return "none"
    if filing.status == "pending_review":
        return "pending_review"
    if filing.status != "approved":
        return "refused" if filing.status == "refused" else "none"
    if on < filing.start_date:
        return "not_started"
    if filing.end_date is not None and on > filing.end_date:
        return "expired"
    return "in_force"


def explain_visit(institution: InstitutionView, filing: FilingView | None, visit: str, on: date,
                  rules: ChoiceRules, disease: str | None = None, *, qualified: bool | None = None,
                  maintenance: tuple[str, str] | None = None, insurance: tuple[str, str] | None = None,
                  today: date | None = None) -> Verdict:
    """Check filing (on the visit date), area, networked service and disease, qualification, level, choice, platform.

    `qualified`: for a chronic visit, whether the person holds the disease's qualification on that date
    (None: not known, not checked). `maintenance`: (starts, ends) of a platform window covering the date.
    `insurance`: the person's (insurance status, contribution status) when known. `today`: a visit
    before it has happened, so what to do is a claim, not another day.
    """
    checks = []
    state = filing_state(filing, on)
    past = today is not None and on < today
    checks.append(Check("filing_valid", state == "in_force", {
        "state": f"{state}_past" if past and state in ("none", "not_started", "expired")
        else "pending_review_later" if state == "pending_review" and on < filing.start_date else state,
        "reference": filing.reference if filing else None,
        "status": filing.status if filing else None, "date": on.isoformat(),
        "start_date": filing.start_date.isoformat() if filing else None,
        "end_date": filing.end_date.isoformat() if filing and filing.end_date else None,
        "submitted_on": filing.submitted_on.isoformat() if filing and filing.submitted_on else None,
    }))
    if filing is not None:
        checks.append(Check("in_filed_area", institution.area_code == filing.treatment_area_code, {
            "filed_area": filing.treatment_area_code, "institution_area": institution.area_code}))
    networked = visit in institution.services
    checks.append(Check("networked_for_service", networked, {"visit": visit, "services": list(institution.services)}))
    if visit == "chronic" and disease:
        checks.append(Check("networked_for_disease", disease in institution.diseases, {"disease": disease}))
    if visit == "chronic" and qualified is not None:
        checks.append(Check("qualification", qualified and bool(disease), {"disease": disease or ""}))
    if rules.allowed_levels is not None:
        checks.append(Check("level_allowed", institution.level in rules.allowed_levels, {
            "level": institution.level, "allowed": list(rules.allowed_levels)}))
    if rules.requires_choice and filing is not None:
        checks.append(Check("chosen_institution", institution.code in filing.chosen_codes, {
            "chosen": list(filing.chosen_codes), "max": rules.max_institutions}))
    if insurance is not None:
        checks.append(Check("insurance_normal", insurance == ("normal", "paid"),
                            {"insurance_status": insurance[0], "contribution_status": insurance[1]}))
    if maintenance is not None:
        checks.append(Check("platform_available", False, {"starts": maintenance[0], "ends": maintenance[1]}))
    return Verdict(all(c.passed for c in checks), tuple(checks))


def validate_choice(codes: list[str], institutions: dict[str, InstitutionView], treatment_area: str,
                    rules: ChoiceRules) -> list[Check]:
    """Check a list of chosen institutions against the area's choice rule; empty means acceptable."""
    problems = []
    if rules.max_institutions is not None and len(codes) > rules.max_institutions:
        problems.append(Check("too_many_institutions", False, {"max": rules.max_institutions, "given": len(codes)}))
    if len(set(codes)) != len(codes):
        problems.append(Check("duplicate_institution", False, {}))
    for code in codes:
        inst = institutions.get(code)
        if inst is None:
            problems.append(Check("unknown_institution", False, {"code": code}))
        elif inst.area_code != treatment_area:
            problems.append(Check("in_filed_area", False, {"code": code, "institution_area": inst.area_code,
                                                           "filed_area": treatment_area}))
        elif rules.allowed_levels is not None and inst.level not in rules.allowed_levels:
            problems.append(Check("level_allowed", False, {"code": code, "level": inst.level,
                                                           "allowed": list(rules.allowed_levels)}))
    return problems


# The words themselves live in dialogs/prompts/<lang>/words.yaml (one home per language).
SENTENCES: dict[str, tuple[str, str]] = pairs("rule.institution_choice")
VISIT_NAMES = pairs("rule.visit_names")
STATUS_NAMES = pairs("rule.institution_statuses")
LEVEL_NAMES = pairs("rule.level_names")


def _day(iso: str, english: bool) -> str:
    """Write an ISO date the way people read it: 12月15日 (with the year when it is not the visit's year)."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return d.strftime("%d %b %Y") if english else f"{d.year}年{d.month}月{d.day}日"


class _Blank(dict):
    def __missing__(self, key):
        return ""


def explain(check: Check, lang: str = "zh_CN", names: dict | None = None) -> str:
    """Render a failed check as a sentence; names maps area and disease codes to names."""
    key = f"{check.code}:{check.params.get('state')}" if check.params.get("state") else check.code
    zh, en = SENTENCES.get(key) or SENTENCES.get(check.code) or pairs("rule.words")["not_met"]
    english = lang.startswith("en")
    names = names or {}
    params = {k: names.get(v, v) if isinstance(v, str) else v for k, v in check.params.items()}
    pick = (lambda pair: pair[1]) if english else (lambda pair: pair[0])
    if "visit" in params:
        params["visit"] = pick(VISIT_NAMES.get(params["visit"], (params["visit"], params["visit"])))
    if "services" in params:
        params["services"] = word("rule.words", "list_separator", lang).join(
            pick(VISIT_NAMES.get(s, (s, s))) for s in params["services"]) or word("rule.words", "none", lang)
    for key in ("insurance_status", "contribution_status"):
        if key in params:
            params[key] = pick(STATUS_NAMES.get(params[key], (params[key], params[key])))
    if "allowed" in params:
        params["allowed"] = word("rule.words", "list_separator", lang).join(
            pick(LEVEL_NAMES.get(x, (x, x))) for x in params["allowed"])
    if "level" in params:
        params["level"] = pick(LEVEL_NAMES.get(params["level"], (params["level"],) * 2))
    for key in ("date", "start_date", "end_date", "submitted_on"):
        if params.get(key):
            params[key] = _day(params[key], english)
    try:
        return (en if english else zh).format(**params)
    except (KeyError, IndexError):  # a parameter missing: say the sentence without it rather than nothing
        return (en if english else zh).format_map(_Blank(params))
