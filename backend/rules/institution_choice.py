"""Would a visit settle directly at this institution? And may it be chosen? (DOMAIN.md section 2)

Pure functions over plain values: the caller loads the filing, the insured area's
choice rules and the institution, and gets every check with a reason code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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


def explain_visit(institution: InstitutionView, filing: FilingView | None, visit: str, on: date,
                  rules: ChoiceRules, disease: str | None = None) -> Verdict:
    """Check filing, area, networked service (and disease), chosen institution and level."""
    checks = []
    active = filing is not None and filing.status == "approved" and _covers(filing, on)
    checks.append(Check("filing_valid", active, {
        "reference": filing.reference if filing else None, "status": filing.status if filing else None,
        "end_date": filing.end_date.isoformat() if filing and filing.end_date else None, "date": on.isoformat(),
    }))
    if filing is not None:
        checks.append(Check("in_filed_area", institution.area_code == filing.treatment_area_code, {
            "filed_area": filing.treatment_area_code, "institution_area": institution.area_code}))
    networked = visit in institution.services
    checks.append(Check("networked_for_service", networked, {"visit": visit, "services": list(institution.services)}))
    if visit == "chronic" and disease:
        checks.append(Check("networked_for_disease", disease in institution.diseases, {"disease": disease}))
    if rules.allowed_levels is not None:
        checks.append(Check("level_allowed", institution.level in rules.allowed_levels, {
            "level": institution.level, "allowed": list(rules.allowed_levels)}))
    if rules.requires_choice and filing is not None:
        checks.append(Check("chosen_institution", institution.code in filing.chosen_codes, {
            "chosen": list(filing.chosen_codes), "max": rules.max_institutions}))
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


SENTENCES: dict[str, tuple[str, str]] = {
    "filing_valid": ("您在这个日期没有有效的备案{detail}。请先办理或续办备案。",
                     "You have no valid filing on that date{detail}. Please file first."),
    "in_filed_area": ("这家机构不在您备案的就医地（{filed_area}），在这里看病不能直接结算。可以变更备案，或选择备案地的机构。",
                      "This institution is not in your filed treatment area ({filed_area}); change the filing or "
                      "choose one there."),
    "networked_for_service": ("这家机构没有开通{visit}的跨省直接结算（只开通了：{services}）。",
                              "This institution is not networked for {visit} settlement (only: {services})."),
    "networked_for_disease": ("这家机构没有开通{disease}的门诊慢特病直接结算。",
                              "This institution does not settle {disease} as an outpatient chronic disease."),
    "level_allowed": ("您的参保地只允许选择这些等级的医院：{allowed}，这家是{level}。",
                      "Your insured area only allows these levels: {allowed}; this one is {level}."),
    "chosen_institution": ("您的参保地要求在备案时选定医院（最多{max}家），这家不在您选定的医院里。",
                           "Your insured area requires chosen hospitals (up to {max}); this one is not among yours."),
    "too_many_institutions": ("最多只能选{max}家。", "You may choose at most {max}."),
    "duplicate_institution": ("同一家机构选了两次。", "The same institution was chosen twice."),
    "unknown_institution": ("没有找到机构{code}。", "No institution {code}."),
}
VISIT_NAMES = {"inpatient": ("住院", "inpatient care"), "outpatient": ("普通门诊", "outpatient care"),
               "chronic": ("门诊慢特病", "outpatient chronic disease care"), "pharmacy": ("药店购药", "pharmacy")}
LEVEL_NAMES = {"3A": "三级甲等", "3B": "三级乙等", "3": "三级", "2A": "二级甲等", "2": "二级", "1": "一级", "none": "未定级"}


def explain(check: Check, lang: str = "zh_CN", names: dict | None = None) -> str:
    """Render a failed check as a sentence; names maps area and disease codes to names."""
    zh, en = SENTENCES.get(check.code, ("这一项不符合条件。", "This condition is not met."))
    english = lang.startswith("en")
    names = names or {}
    params = {k: names.get(v, v) if isinstance(v, str) else v for k, v in check.params.items()}
    pick = (lambda pair: pair[1]) if english else (lambda pair: pair[0])
    if "visit" in params:
        params["visit"] = pick(VISIT_NAMES.get(params["visit"], (params["visit"], params["visit"])))
    if "services" in params:
        params["services"] = "、".join(pick(VISIT_NAMES.get(s, (s, s))) for s in params["services"]) or "无"
    if "allowed" in params:
        params["allowed"] = "、".join(LEVEL_NAMES.get(x, x) for x in params["allowed"])
    if "level" in params:
        params["level"] = LEVEL_NAMES.get(params["level"], params["level"])
    params.setdefault("detail", f"（{params['reference']}，{params.get('status')}）" if params.get("reference") else "")
    try:
        return (en if english else zh).format(**params)
    except (KeyError, IndexError):
        return (en if english else zh).split("{")[0]
