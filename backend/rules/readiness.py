"""Will direct settlement work for this visit? Every reason of DOMAIN.md section 4.3, each with what to do.

Pure: the settlement service passes what it knows (the filings handed off to it, the institution,
the maintenance windows) and what the insured area knows about the person (insurance status,
chronic-disease qualifications, whether the e-voucher is activated), and gets every check.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from backend.rules.institution_choice import LEVEL_NAMES, VISIT_NAMES, Check, InstitutionView
from dialogs.prompts.catalogue import pairs, word

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


# code -> what is wrong, and what to do about it (the words: dialogs/prompts/<lang>/words.yaml).
REASONS = pairs("rule.readiness_reasons")
ACTIONS = pairs("rule.readiness_actions")
# The words themselves live in dialogs/prompts/<lang>/words.yaml (one home per language).
STATUS_NAMES = pairs("rule.readiness_statuses")
CATEGORY_NAMES = pairs("rule.readiness_categories")


def explain(check_: Check, lang: str = "zh_CN", names: dict | None = None) -> dict:
    """Render a failed check as {"code", "reason", "action"} in a language; names maps codes to names."""
    (zh_reason, en_reason), (zh_action, en_action) = REASONS[check_.code], ACTIONS[check_.code]
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
        params["services"] = word("rule.words", "list_separator", lang).join(
            VISIT_NAMES.get(s, (s, s))[idx] for s in params["services"]) or word("rule.words", "none", lang)
    if params.get("end_date") is None and "end_date" in params:
        params["end_date"] = word("rule.words", "open_ended", lang)
    if "level" in params:
        params["level"] = LEVEL_NAMES.get(params["level"], (params["level"],) * 2)[idx]
    reason, action = (en_reason, en_action) if english else (zh_reason, zh_action)
    return {"code": check_.code, "reason": _fill(reason, params), "action": _fill(action, params)}


def _fill(template: str, params: dict) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template.split("{")[0]
