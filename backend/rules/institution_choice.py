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


SENTENCES: dict[str, tuple[str, str]] = {
    "filing_valid": ("您在{date}没有有效的备案。先办理备案，办好后再去看病。",
                     "You have no valid filing on {date}. File first, then go."),
    "filing_valid:none_past": ("{date}那天您没有有效的备案，那次看病不能直接结算。已经全额垫付的，可以先补办备案，"
                               "再带发票、费用清单回参保地医保经办机构申请手工报销。",
                               "You had no valid filing on {date}, so that visit could not settle directly. If you paid "
                               "in full, file now and claim it back at your insured area with the receipts."),
    "filing_valid:not_started_past": ("您的备案（{reference}）从{start_date}起才生效，{date}那次看病不能直接结算。"
                                      "已经全额垫付的，可以带发票、费用清单回参保地医保经办机构申请手工报销。",
                                      "Your filing ({reference}) starts on {start_date}, so the visit on {date} could "
                                      "not settle directly. If you paid in full, claim it back at your insured area "
                                      "with the receipts."),
    "filing_valid:expired_past": ("您的备案（{reference}）有效期是{start_date}到{end_date}，{date}那次看病不能直接结算。"
                                  "已经全额垫付的，可以带发票、费用清单回参保地医保经办机构申请手工报销。",
                                  "Your filing ({reference}) was valid {start_date} to {end_date}, so the visit on "
                                  "{date} could not settle directly. Claim it back at your insured area."),
    "filing_valid:pending_review": ("您的备案（{reference}）还在审核，{submitted_on}提交的。审核通过后就能直接结算，"
                                    "结果出来会通知您。",
                                    "Your filing ({reference}) is still under review (submitted {submitted_on}). "
                                    "Once approved, visits settle directly; you will be told the result."),
    "filing_valid:pending_review_later": ("您的备案（{reference}）还在审核，而且要从{start_date}起才生效，{date}去看病"
                                          "不能直接结算。审核通过后，{start_date}以后去就能直接结算。",
                                          "Your filing ({reference}) is still under review and starts on {start_date}, "
                                          "so a visit on {date} will not settle directly. Once approved, visits from "
                                          "{start_date} on settle directly."),
    "filing_valid:not_started": ("您的备案（{reference}）从{start_date}起生效，{date}还不能直接结算。"
                                 "{start_date}以后去就能直接结算。",
                                 "Your filing ({reference}) starts on {start_date}; on {date} it is not yet in force. "
                                 "From {start_date} on, visits settle directly."),
    "filing_valid:expired": ("您的备案（{reference}）有效期是{start_date}到{end_date}，{date}已经过期。请重新办理备案。",
                             "Your filing ({reference}) was valid {start_date} to {end_date}; on {date} it has "
                             "expired. Please file again."),
    "filing_valid:refused": ("您最近的备案（{reference}）没有通过，{date}不能直接结算。处理好原因后可以重新办理。",
                             "Your latest filing ({reference}) was not approved; on {date} visits do not settle "
                             "directly. Fix the reason and file again."),
    "qualification": ("您还没有{disease}的门诊慢特病资格认定，看这个病不能按慢特病直接结算。先在参保地办理认定。",
                      "You have no outpatient chronic-disease qualification for {disease}; apply for it in your "
                      "insured area first."),
    "insurance_normal": ("您的医保状态不正常（参保：{insurance_status}，缴费：{contribution_status}），看病不能直接结算。"
                         "请先联系参保地医保经办机构补缴或恢复参保。",
                         "Your insurance is not in normal status ({insurance_status}, contributions: "
                         "{contribution_status}); contact your insured area's office to restore it."),
    "platform_available": ("那天国家结算平台在维护（{starts}至{ends}），这段时间不能直接结算。",
                           "The national settlement platform is down for maintenance ({starts} to {ends})."),
    "in_filed_area": ("您的备案是去{filed_area}看病的，这家机构在{institution_area}，在这里看病不能直接结算。"
                      "可以去{filed_area}的联网机构；要在{institution_area}看病，需要为这次看病另外办理备案。",
                      "Your filing is for {filed_area}; this institution is in {institution_area}, so it will not "
                      "settle here. Go to a networked institution in {filed_area}, or file for this visit."),
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
STATUS_NAMES = {"normal": ("正常", "normal"), "suspended": ("暂停", "suspended"), "terminated": ("终止", "terminated"),
                "paid": ("正常", "paid"), "interrupted": ("断缴", "interrupted")}
LEVEL_NAMES = {"3A": "三级甲等", "3B": "三级乙等", "3": "三级", "2A": "二级甲等", "2": "二级", "1": "一级", "none": "未定级"}


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
    zh, en = SENTENCES.get(key) or SENTENCES.get(check.code, ("这一项不符合条件。", "This condition is not met."))
    english = lang.startswith("en")
    names = names or {}
    params = {k: names.get(v, v) if isinstance(v, str) else v for k, v in check.params.items()}
    pick = (lambda pair: pair[1]) if english else (lambda pair: pair[0])
    if "visit" in params:
        params["visit"] = pick(VISIT_NAMES.get(params["visit"], (params["visit"], params["visit"])))
    if "services" in params:
        params["services"] = "、".join(pick(VISIT_NAMES.get(s, (s, s))) for s in params["services"]) or "无"
    for key in ("insurance_status", "contribution_status"):
        if key in params:
            params[key] = pick(STATUS_NAMES.get(params[key], (params[key], params[key])))
    if "allowed" in params:
        params["allowed"] = "、".join(LEVEL_NAMES.get(x, x) for x in params["allowed"])
    if "level" in params:
        params["level"] = LEVEL_NAMES.get(params["level"], params["level"])
    for key in ("date", "start_date", "end_date", "submitted_on"):
        if params.get(key):
            params[key] = _day(params[key], english)
    try:
        return (en if english else zh).format(**params)
    except (KeyError, IndexError):  # a parameter missing: say the sentence without it rather than nothing
        return (en if english else zh).format_map(_Blank(params))
