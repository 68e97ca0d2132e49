"""Will direct settlement work for this visit? Every reason of DOMAIN.md section 4.3, each with what to do.

Pure: the settlement service passes what it knows (the filings handed off to it, the institution,
the maintenance windows) and what the insured area knows about the person (insurance status,
chronic-disease qualifications, whether the e-voucher is activated), and gets every check.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from backend.rules.institution_choice import LEVEL_NAMES, VISIT_NAMES, Check, InstitutionView

# Buying medicine at a pharmacy is outpatient money, but only pharmacies networked for it settle.
SERVICES = ("inpatient", "outpatient", "chronic", "pharmacy")
TEMPORARY = ("referral", "emergency", "other_temporary")


@dataclass(frozen=True)
class RegisteredFiling:
    reference: str
    status: str  # registered | cancelled | superseded
    category: str
    treatment_area_code: str
    start_date: date
    end_date: date | None
    chosen_codes: tuple[str, ...] = ()
    choice_required: bool = False  # the insured area limits care to chosen institutions


    def covers(self, on: date) -> bool:
        """Return whether the filing is in force on a date."""
        return self.status == "registered" and self.start_date <= on and (self.end_date is None or on <= self.end_date)


@dataclass(frozen=True)
class PersonFacts:
    insurance_status: str = "normal"  # normal | suspended | terminated
    contribution_status: str = "paid"  # paid | interrupted
    qualifications: tuple[str, ...] = ()  # disease codes certified and valid on the visit date
    credential_activated: bool | None = None  # None: unknown, not checked
    living_there: bool | None = None  # the person says they live in the treatment area long term


@dataclass(frozen=True)
class Window:
    starts: datetime
    ends: datetime
    note: str = ""


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: tuple[Check, ...]
    filing_reference: str | None = None

    def failed(self) -> tuple[Check, ...]:
        """Return the failing checks in the order a person should fix them."""
        return tuple(c for c in self.checks if not c.passed)


def _pick_filing(filings: list[RegisteredFiling], area: str, on: date) -> RegisteredFiling | None:
    """Prefer a filing in force for the institution's area, then any in force, then the latest for the area."""
    ranked = sorted(filings, key=lambda f: (f.covers(on) and f.treatment_area_code == area, f.covers(on),
                                            f.treatment_area_code == area, f.start_date), reverse=True)
    return ranked[0] if ranked else None


def _same_province(a: str, b: str) -> bool:
    return a[:2] == b[:2]


def check(filings: list[RegisteredFiling], institution: InstitutionView, service: str, on: date,
          person: PersonFacts, *, disease: str | None = None, maintenance: tuple[Window, ...] = (),
          at: datetime | None = None) -> Readiness:
    """Return every check of a visit: filing, area, category, network, status, qualification, platform."""
    checks: list[Check] = []
    filing = _pick_filing(filings, institution.area_code, on)
    checks.append(Check("filed", filing is not None, {}))
    if filing is not None:
        checks.append(Check("filing_in_force", filing.covers(on), {
            "reference": filing.reference, "status": filing.status, "date": on.isoformat(),
            "start_date": filing.start_date.isoformat(),
            "end_date": filing.end_date.isoformat() if filing.end_date else None}))
        in_area = filing.treatment_area_code == institution.area_code
        to_province = (not in_area and filing.treatment_area_code.endswith("0000")
                       and _same_province(filing.treatment_area_code, institution.area_code))
        checks.append(Check("filed_to_province" if to_province else "filed_area", in_area, {
            "filed_area": filing.treatment_area_code, "institution_area": institution.area_code}))
        if person.living_there:
            checks.append(Check("category_fits_stay", filing.category not in TEMPORARY, {"category": filing.category}))
        if filing.choice_required or filing.chosen_codes:
            checks.append(Check("chosen_institution", institution.code in filing.chosen_codes,
                                {"chosen": list(filing.chosen_codes)}))
    checks.append(Check("networked_for_service", service in institution.services,
                        {"visit": service, "services": [s for s in institution.services if s in VISIT_NAMES],
                         "institution": institution.name}))
    if service == "chronic" and disease:
        checks.append(Check("networked_for_disease", disease in institution.diseases, {"disease": disease}))
    checks.append(Check("insurance_normal",
                        person.insurance_status == "normal" and person.contribution_status == "paid",
                        {"insurance_status": person.insurance_status,
                         "contribution_status": person.contribution_status}))
    if person.credential_activated is not None:
        checks.append(Check("credential_activated", person.credential_activated, {}))
    if service == "chronic":
        checks.append(Check("qualification", bool(disease) and disease in person.qualifications,
                            {"disease": disease or ""}))
    moment = at or datetime.combine(on, datetime.min.time())
    clash = next((w for w in maintenance if w.starts.date() <= on <= w.ends.date()), None)
    checks.append(Check("platform_available", clash is None, {
        "starts": clash.starts.strftime("%m月%d日 %H:%M") if clash else "",
        "ends": clash.ends.strftime("%m月%d日 %H:%M") if clash else "",
        "now": moment.isoformat(), "note": clash.note if clash else ""}))
    return Readiness(all(c.passed for c in checks), tuple(checks), filing.reference if filing else None)


# code -> (zh reason, zh what to do, en reason, en what to do)
SENTENCES: dict[str, tuple[str, str, str, str]] = {
    "filed": ("您还没有办理异地就医备案。", "先在本助手里办理备案，办好后再去看病。",
              "You have not filed for treatment in another province.", "File first with this assistant."),
    "filing_in_force": ("您的备案（{reference}）在{date}不在有效期内（{start_date}至{end_date}）。",
                        "请续办或重新办理备案。",
                        "Your filing ({reference}) is not in force on {date} ({start_date} to {end_date}).",
                        "Renew the filing or file again."),
    "filed_area": ("您备案的就医地是{filed_area}，这家机构在{institution_area}。",
                   "变更备案的就医地，或在{filed_area}就医。",
                   "You filed for {filed_area}; this institution is in {institution_area}.",
                   "Change the filing's treatment area, or get care in {filed_area}."),
    "filed_to_province": ("您备案到了省（{filed_area}），而这家机构属于{institution_area}，需要备案到市。",
                          "把备案的就医地变更为{institution_area}。",
                          "You filed for the province ({filed_area}); this institution needs a filing for "
                          "{institution_area}.", "Change the filing's treatment area to {institution_area}."),
    "category_fits_stay": ("您长期住在这里，但备案的是临时外出就医（{category}），报销比例会降低，有时不能结算。",
                           "改办长期居住类备案（异地长期居住或退休异地安置）。",
                           "You live here long term but filed as temporary ({category}); the ratio is lower "
                           "and settlement may fail.", "Change to a long-term filing."),
    "chosen_institution": ("您的参保地要求备案时选定医院，这家不在您选定的医院里。",
                           "在“选择医院”里把这家加上，或去已选的医院。",
                           "Your insured area requires chosen hospitals and this one is not among yours.",
                           "Add it to your chosen hospitals, or go to one you chose."),
    "networked_for_service": ("{institution}没有开通{visit}的跨省直接结算（只开通了：{services}）。",
                              "换一家开通了{visit}的机构。",
                              "{institution} is not networked for {visit} (only: {services}).",
                              "Choose an institution networked for {visit}."),
    "networked_for_disease": ("这家机构没有开通{disease}的门诊慢特病直接结算。",
                              "换一家开通了这个病种的机构。",
                              "This institution does not settle {disease} as an outpatient chronic disease.",
                              "Choose an institution that does."),
    "insurance_normal": ("您的医保状态不正常（{insurance_status}，缴费：{contribution_status}），看病不能直接结算。",
                         "先联系参保地医保经办机构补缴或恢复参保。",
                         "Your insurance is not in normal status ({insurance_status}, contributions: "
                         "{contribution_status}).", "Contact your insured area's office to restore it."),
    "credential_activated": ("您的医保电子凭证还没有激活，窗口刷不了。",
                             "在微信或支付宝里激活医保电子凭证，或带上社保卡。",
                             "Your medical insurance e-voucher is not activated.",
                             "Activate it in WeChat or Alipay, or bring your social security card."),
    "qualification": ("您还没有{disease}的门诊慢特病资格认定。",
                      "先在参保地办理门诊慢特病认定。",
                      "You have no outpatient chronic-disease qualification for {disease}.",
                      "Apply for the qualification in your insured area first."),
    "platform_available": ("那天国家结算平台在维护（{starts}至{ends}），这段时间不能直接结算。",
                           "避开这段时间就医，或先垫付、回参保地报销。",
                           "The national settlement platform is down for maintenance ({starts} to {ends}).",
                           "Avoid that time, or pay first and claim at home."),
}
STATUS_NAMES = {"normal": ("正常", "normal"), "suspended": ("暂停", "suspended"), "terminated": ("终止", "terminated"),
                "paid": ("正常", "paid"), "interrupted": ("断缴", "interrupted")}
CATEGORY_NAMES = {"referral": ("转诊就医", "referral"), "emergency": ("急诊抢救", "emergency"),
                  "other_temporary": ("其他临时外出", "other temporary")}


def explain(check_: Check, lang: str = "zh_CN", names: dict | None = None) -> dict:
    """Render a failed check as {"code", "reason", "action"} in a language; names maps codes to names."""
    zh_reason, zh_action, en_reason, en_action = SENTENCES[check_.code]
    english = lang.startswith("en")
    names = names or {}
    idx = 1 if english else 0
    params = {k: names.get(v, v) if isinstance(v, str) else v for k, v in check_.params.items()}
    for key in ("insurance_status", "contribution_status"):
        if key in params:
            params[key] = STATUS_NAMES.get(params[key], (params[key],) * 2)[idx]
    if "category" in params:
        params["category"] = CATEGORY_NAMES.get(params["category"], (params["category"],) * 2)[idx]
    if "visit" in params:
        params["visit"] = VISIT_NAMES.get(params["visit"], (params["visit"],) * 2)[idx]
    if "services" in params:
        params["services"] = ("、" if not english else ", ").join(
            VISIT_NAMES.get(s, (s, s))[idx] for s in params["services"]) or ("无" if not english else "none")
    if params.get("end_date") is None and "end_date" in params:
        params["end_date"] = "长期" if not english else "open-ended"
    if "level" in params:
        params["level"] = LEVEL_NAMES.get(params["level"], params["level"])
    reason, action = (en_reason, en_action) if english else (zh_reason, zh_action)
    return {"code": check_.code, "reason": _fill(reason, params), "action": _fill(action, params)}


def _fill(template: str, params: dict) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template.split("{")[0]
