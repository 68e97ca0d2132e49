"""Decide a cross-provincial filing (备案) from an area's rules; pure, no I/O (DOMAIN.md section 1)."""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from dialogs.categories import LONG_TERM_CATEGORIES as LONG_TERM
from dialogs.categories import TEMPORARY_CATEGORIES as TEMPORARY
from dialogs.prompts.catalogue import pairs

ACTIVE_STATUSES = ("pending_review", "approved")
REFUSE = "refuse"
REVIEW = "review"

# Referral and other temporary care may be filed afterwards, as long as it happens before the
# discharge/outpatient settlement (DOMAIN 1.2 补办); 30 days covers a normal stay.
TEMPORARY_LATE_FILING_DAYS = 30
# An emergency is unplanned, so an emergency start date far in the future is a mistake.
EMERGENCY_FUTURE_DAYS = 30
# Nobody plans a move or a treatment more than a year ahead; later dates are almost always typos.
PLANNING_HORIZON_MONTHS = 12


@dataclass(frozen=True)
class PolicyView:
    area_code: str
    categories_offered: tuple[str, ...]
    materials: dict[str, tuple[tuple[str, ...], ...]]
    commitment_letter_categories: tuple[str, ...]
    self_service_enabled: bool
    manual_review_categories: tuple[str, ...]
    change_lock_months: int
    commitment_lock_months: int
    temporary_validity_months: int
    referral_validity_months: int
    emergency_late_filing_days: int
    policy_id: int | None = None


@dataclass(frozen=True)
class PersonView:
    person_id: int
    insured_area_code: str
    insured_province_code: str
    insurance_status: str
    contribution_status: str


@dataclass(frozen=True)
class ExistingFiling:
    reference: str
    status: str
    category: str
    treatment_area_code: str
    start_date: date
    end_date: date | None
    lock_until: date | None
    filed_by_relation: str | None
    filed_by_name_masked: str | None
    submitted_on: date


@dataclass(frozen=True)
class Application:
    category: str
    insured_area_code: str
    treatment_area_code: str
    treatment_province_code: str
    start_date: date
    end_date: date | None = None
    materials_choice: str | None = None
    replaces_reference: str | None = None


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    effect: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    outcome: str
    checks: tuple[Check, ...]
    start_date: date
    end_date: date | None
    lock_until: date | None
    reason: str | None

    def failed(self) -> tuple[Check, ...]:
        """Return the checks that did not pass, in evaluation order."""
        return tuple(c for c in self.checks if not c.passed)


def add_months(d: date, months: int) -> date:
    """Return d moved by whole months, clamped to the last day of the target month."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def validity_end(category: str, start: date, policy: PolicyView) -> date | None:
    """Return the default last day of a filing, None for open-ended long-term filings."""
    if category in LONG_TERM:
        return None
    if category == "referral":
        return add_months(start, policy.referral_validity_months)
    if category in ("emergency", "other_temporary"):
        return add_months(start, policy.temporary_validity_months)
    raise ValueError(f"unknown filing category {category!r}")


def lock_until_for(category: str | None, materials_choice: str | None, policy: PolicyView | None,
                   today: date) -> date | None:
    """Return the day before which a filing submitted today cannot be changed or cancelled (None: no lock)."""
    if category not in LONG_TERM or policy is None:
        return None
    months = policy.change_lock_months
    # The longer commitment lock applies only when the letter actually stood in for documents.
    if (materials_choice == "commitment_letter" and policy.materials.get(category)
            and category in policy.commitment_letter_categories):
        months = max(months, policy.commitment_lock_months)
    return add_months(today, months)


def can_change_or_cancel(filing: ExistingFiling, today: date) -> Check:
    """Check whether the area's minimum period before a change or cancellation has passed."""
    lock = filing.lock_until
    return Check(
        "change_lock", lock is None or today >= lock, REFUSE,
        {"reference": filing.reference, "lock_until": lock.isoformat() if lock else None},
    )


# Relations an agent (代办 / 亲情账户) may have to the insured person, as shown to that person.
# The words themselves live in dialogs/prompts/<lang>/words.yaml (one home per language).
RELATIONS = pairs("rule.relations")


def _filed_by(filing: ExistingFiling) -> tuple[str, str]:
    if filing.filed_by_relation is None:
        return "您本人", "you"
    zh, en = RELATIONS.get(filing.filed_by_relation, ("家人", "a family member"))
    if filing.filed_by_name_masked:
        return f"{zh} {filing.filed_by_name_masked}", f"{en} {filing.filed_by_name_masked}"
    return zh, en


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    # Both ranges include their last day; None means open-ended (long-term).
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def _check_insurance(person: PersonView) -> Check:
    ok = person.insurance_status == "normal" and person.contribution_status == "paid"
    return Check("insurance_status", ok, REFUSE, {
        "insurance_status": person.insurance_status, "contribution_status": person.contribution_status,
    })


def _check_category(app: Application, policy: PolicyView | None) -> Check:
    if policy is None:
        # No rules loaded for the insured area: nothing can be decided, and guessing would be worse.
        return Check("policy_missing", False, REFUSE, {"area_code": app.insured_area_code})
    return Check("category_offered", app.category in policy.categories_offered, REFUSE,
                 {"category": app.category, "area_code": policy.area_code})


def _check_cross_province(app: Application, person: PersonView) -> Check:
    # Province codes are compared as given: the XPCC pool (660000) is its own "province", so care in
    # Xinjiang (650000) is cross-provincial for it.
    same_area = app.treatment_area_code == person.insured_area_code
    same_province = app.treatment_province_code == person.insured_province_code
    params = {"insured_province": person.insured_province_code,
              "treatment_province": app.treatment_province_code,
              "treatment_area": app.treatment_area_code}
    if same_area:
        params["same_area"] = True
    elif same_province:
        params["same_province"] = True
    return Check("cross_province", not (same_area or same_province), REFUSE, params)


def _filed_by_params(filing: ExistingFiling) -> dict:
    filed_by, filed_by_en = _filed_by(filing)
    params = {
        "reference": filing.reference, "filed_by": filed_by, "filed_by_en": filed_by_en,
        "submitted_on": filing.submitted_on.isoformat(), "treatment_area": filing.treatment_area_code,
        "status": filing.status, "lock_until": filing.lock_until.isoformat() if filing.lock_until else None,
    }
    if filing.status == "pending_review":
        params["pending"] = True
    return params


def conflicting_filing(category: str | None, treatment_area_code: str | None, start: date | None,
                       end: date | None, existing: Sequence[ExistingFiling],
                       replaces_reference: str | None = None) -> tuple[str, ExistingFiling] | None:
    """Return (check code, filing) of the active filing a new application would collide with, if any.

    A person has one long-term filing at a time (DOMAIN 1.2: a long-term filing stays until it is
    changed or cancelled), whatever the city; any filing may not overlap another active filing for
    the same treatment area. Unknown parts of the application (no category or dates yet, as while a
    conversation is still asking) are treated as "could collide", so the person hears of the
    existing filing before answering every question.
    """
    for filing in existing:
        if filing.status not in ACTIVE_STATUSES or filing.reference == replaces_reference:
            continue
        if category in LONG_TERM and filing.category in LONG_TERM:
            return "one_long_term", filing
        if (treatment_area_code is not None and filing.treatment_area_code == treatment_area_code
                and (start is None or _overlaps(start, end, filing.start_date, filing.end_date))):
            return "no_overlap", filing
    return None


def _check_overlap(app: Application, end: date | None, existing: Sequence[ExistingFiling]) -> Check:
    found = conflicting_filing(None, app.treatment_area_code, app.start_date, end, existing, app.replaces_reference)
    if found is not None:
        return Check("no_overlap", False, REFUSE, _filed_by_params(found[1]))
    return Check("no_overlap", True, REFUSE, {})


def _check_one_long_term(app: Application, existing: Sequence[ExistingFiling]) -> Check:
    # Two active long-term filings would leave the person "living" in two places at once, each locked for
    # months; a second city is an explicit change of the first (replaces_reference), never a new filing.
    found = conflicting_filing(app.category, None, None, None, existing, app.replaces_reference)
    if found is not None and found[0] == "one_long_term":
        return Check("one_long_term", False, REFUSE, _filed_by_params(found[1]))
    return Check("one_long_term", True, REFUSE, {})


def _check_dates(app: Application, policy: PolicyView, today: date) -> Check:
    start, category = app.start_date, app.category
    latest = add_months(today, PLANNING_HORIZON_MONTHS)
    params: dict = {"start_date": start.isoformat(), "today": today.isoformat()}
    refuse = review = False
    days_late = (today - start).days
    if category == "emergency":
        allowed = policy.emergency_late_filing_days
        latest = today + timedelta(days=EMERGENCY_FUTURE_DAYS)
        params.update(earliest=(today - timedelta(days=allowed)).isoformat(), allowed_days=allowed)
        if days_late > allowed:
            # Past the area's late-filing window the law still allows manual reimbursement, so staff
            # decide instead of the rules refusing outright.
            review = True
            params.update(late=True, late_days=days_late, beyond_late_limit=True)
        elif days_late > 0:
            params.update(late=True, late_days=days_late)
    elif category in ("referral", "other_temporary"):
        params.update(earliest=(today - timedelta(days=TEMPORARY_LATE_FILING_DAYS)).isoformat(),
                      allowed_days=TEMPORARY_LATE_FILING_DAYS)
        if days_late > TEMPORARY_LATE_FILING_DAYS:
            refuse = True
            params.update(late_days=days_late, beyond_late_limit=True)
        elif days_late > 0:
            params.update(late=True, late_days=days_late)
    else:
        # Long-term filings describe where the person will live from now on; the past is not filable.
        params["earliest"] = today.isoformat()
        if start < today:
            refuse = True
            params["in_past"] = True
    params["latest"] = latest.isoformat()
    if start > latest:
        refuse = True
        params["too_far"] = True
    # Long-term filings are open-ended, so a requested end date has no meaning there and is ignored.
    if category in TEMPORARY and app.end_date is not None:
        max_end = validity_end(category, start, policy)
        params.update(end_date=app.end_date.isoformat(), latest_end=max_end.isoformat())
        if app.end_date <= start:
            refuse = True
            params["end_before_start"] = True
        elif app.end_date > max_end:
            refuse = True
            params["end_beyond_validity"] = True
    if refuse:
        return Check("start_date", False, REFUSE, params)
    return Check("start_date", not review, REVIEW if review else REFUSE, params)


def check_dates(category: str, start: date, end: date | None, policy: PolicyView, today: date) -> Check:
    """Check a filing's dates alone (the conversation asks this before it asks anything else)."""
    app = Application(category=category, insured_area_code=policy.area_code, treatment_area_code="",
                      treatment_province_code="", start_date=start, end_date=end)
    return _check_dates(app, policy, today)


def _check_materials(app: Application, policy: PolicyView) -> Check:
    required = policy.materials.get(app.category, ())
    params: dict = {"category": app.category, "required": [list(alt) for alt in required]}
    if not required or any(len(alt) == 0 for alt in required):
        return Check("materials", True, REFUSE, params)
    if app.materials_choice == "commitment_letter":
        if app.category in policy.commitment_letter_categories:
            return Check("materials", True, REFUSE, params)
        return Check("materials", False, REFUSE, {**params, "commitment_not_accepted": True})
    if app.materials_choice == "documents":
        # Rules cannot read uploaded papers; a person must look at them (quick filing, DOMAIN 1.3).
        return Check("materials", False, REVIEW, {**params, "documents": True})
    return Check("materials", False, REFUSE, {**params, "missing": True})


def _check_self_service(app: Application, policy: PolicyView) -> Check:
    manual = app.category in policy.manual_review_categories
    params: dict = {"self_service_enabled": policy.self_service_enabled, "category": app.category}
    if manual:
        params["manual_category"] = True
    return Check("self_service", policy.self_service_enabled and not manual, REVIEW, params)


def _check_change_lock(app: Application, existing: Sequence[ExistingFiling], today: date) -> Check:
    ref = app.replaces_reference
    replaced = next((f for f in existing if f.reference == ref), None)
    if replaced is None:
        return Check("change_lock", False, REFUSE, {"reference": ref, "not_found": True})
    if replaced.status not in ACTIVE_STATUSES:
        # A cancelled or expired filing has nothing left to change; a new filing is the right path.
        return Check("change_lock", False, REFUSE, {"reference": ref, "not_active": True})
    return can_change_or_cancel(replaced, today)


def decide_filing(app: Application, person: PersonView, policy: PolicyView | None,
                  existing: Sequence[ExistingFiling], today: date) -> Decision:
    """Decide a filing application, recording every check that was evaluated."""
    long_term = app.category in LONG_TERM
    temporary = app.category in TEMPORARY
    end: date | None = None
    if temporary:
        default_end = validity_end(app.category, app.start_date, policy) if policy else None
        requested = app.end_date
        valid_request = requested is not None and requested > app.start_date and (
            default_end is None or requested <= default_end)
        end = requested if valid_request else default_end

    checks = [_check_insurance(person), _check_category(app, policy), _check_cross_province(app, person),
              _check_overlap(app, end, existing), _check_one_long_term(app, existing)]
    # Without the area's rules the date, materials and channel checks have nothing to measure against;
    # the decision is already refused for policy_missing.
    if policy is not None:
        checks += [_check_dates(app, policy, today), _check_materials(app, policy),
                   _check_self_service(app, policy)]
    if app.replaces_reference is not None:
        checks.append(_check_change_lock(app, existing, today))

    lock_until = lock_until_for(app.category, app.materials_choice, policy, today)

    refused = next((c.code for c in checks if not c.passed and c.effect == REFUSE), None)
    reviewed = next((c.code for c in checks if not c.passed and c.effect == REVIEW), None)
    outcome = "refused" if refused else "pending_review" if reviewed else "approved"
    return Decision(outcome, tuple(checks), app.start_date, end, lock_until, refused or reviewed)


# Sentences for a FAILED check, (zh_CN, en). A key "code.flag" is a variant used when params[flag] is
# True; the first matching variant in this order wins, then the plain code, then the generic sentence.
# Area and province codes arrive as codes: the caller substitutes names before calling explain().
CHECK_SENTENCES: dict[str, tuple[str, str]] = pairs("rule.filing_checks")

CATEGORY_NAMES = pairs("rule.category_names")

_GENERIC_FAILED = (
    "这一项没有通过。请联系参保地医保部门咨询。",
    "This check did not pass. Please ask the insurance office where you are insured.")
_GENERIC_PASSED = ("这一项已通过。", "This check passed.")


def explain(check: Check, lang: str = "zh_CN") -> str:
    """Render the plain-words sentence for a check in the given language."""
    which = 1 if str(lang).lower().startswith("en") else 0
    if check.passed:
        return _GENERIC_PASSED[which]
    params = {str(k): v for k, v in dict(check.params or {}).items()}
    if which:  # a parameter said differently in English ("filed_by_en") fills the same placeholder
        params.update({k[:-3]: v for k, v in list(params.items()) if k.endswith("_en")})
    category = params.get("category")
    if isinstance(category, str) and category in CATEGORY_NAMES:
        params.setdefault("category_name", CATEGORY_NAMES[category][which])
    prefix = f"{check.code}."
    variants = [k for k in CHECK_SENTENCES if k.startswith(prefix) and params.get(k[len(prefix):]) is True]
    for key in variants + [check.code]:
        template = CHECK_SENTENCES.get(key)
        if template is None:
            continue
        try:
            return template[which].format(**params)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError):
            continue  # a param is missing or malformed: fall back to the plainer sentence
    return _GENERIC_FAILED[which]
