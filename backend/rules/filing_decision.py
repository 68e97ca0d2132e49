"""Decide a cross-provincial filing (备案) from an area's rules; pure, no I/O (DOMAIN.md section 1)."""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from dialogs.categories import LONG_TERM_CATEGORIES as LONG_TERM
from dialogs.categories import TEMPORARY_CATEGORIES as TEMPORARY

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
RELATIONS = {
    "son": ("儿子", "your son"), "daughter": ("女儿", "your daughter"),
    "spouse": ("配偶", "your spouse"), "husband": ("丈夫", "your husband"), "wife": ("妻子", "your wife"),
    "father": ("父亲", "your father"), "mother": ("母亲", "your mother"),
    "son_in_law": ("女婿", "your son-in-law"), "daughter_in_law": ("儿媳", "your daughter-in-law"),
    "grandson": ("孙子", "your grandson"), "granddaughter": ("孙女", "your granddaughter"),
    "brother": ("兄弟", "your brother"), "sister": ("姐妹", "your sister"),
}


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
CHECK_SENTENCES: dict[str, tuple[str, str]] = {
    "insurance_status": (
        "您的医保现在是停保或断缴状态，暂时不能备案。请先到参保地医保部门恢复参保或补缴，再来办理。",
        "Your medical insurance is suspended or has unpaid contributions, so you cannot file yet. "
        "Please go to the insurance office where you are insured to restore it first, then come back."),
    "policy_missing": (
        "您参保地（{area_code}）的备案规则还没有上线，暂时不能在这里办理。请联系参保地医保部门。",
        "The filing rules of your insured area ({area_code}) are not available here yet. "
        "Please contact the insurance office where you are insured."),
    "category_offered": (
        "您的参保地不办理“{category_name}”这类备案。请选择其他类别，或联系参保地医保部门。",
        "Your insured area does not accept filings as \"{category_name}\". "
        "Please choose another type, or ask the insurance office where you are insured."),
    "cross_province.same_area": (
        "您选的就医地就是您的参保地，在本地看病不需要备案。",
        "The place you chose for treatment is where you are insured. You do not need to file for care there."),
    "cross_province": (
        "您的就医地和参保地在同一个省，不属于跨省异地就医，不能在这里备案。请问一下当地医保部门怎么办理。",
        "The place of treatment is in the same province as your insurance, so this is not cross-province care "
        "and cannot be filed here. Please ask your local medical insurance office."),
    "no_overlap.pending": (
        "您在{treatment_area}已有一个正在审核的备案（编号{reference}，{filed_by}于{submitted_on}提交），"
        "不能重复备案。请等待审核结果。",
        "You already have a filing for {treatment_area} waiting for review (number {reference}, "
        "made by {filed_by_en} on {submitted_on}), so you cannot file again. Please wait for the result."),
    "no_overlap": (
        "您在{treatment_area}已有一个有效备案（编号{reference}，{filed_by}于{submitted_on}办理），不能重复备案。"
        "如需更改，请选择“变更备案”。",
        "You already have a valid filing for {treatment_area} (number {reference}, made by {filed_by_en} "
        "on {submitted_on}), so you cannot file again. To change it, choose \"Change filing\"."),
    "one_long_term.pending": (
        "您已有一个长期备案正在审核（{treatment_area}，编号{reference}，{filed_by}于{submitted_on}提交）。"
        "同一时间只能有一个长期备案：请等审核结果出来后，再选择“变更备案”。",
        "You already have a long-term filing waiting for review ({treatment_area}, number {reference}, made by "
        "{filed_by_en} on {submitted_on}). Only one long-term filing can be active at a time: wait for the result, "
        "then choose \"Change filing\"."),
    "one_long_term": (
        "您已有一个有效的长期备案（{treatment_area}，编号{reference}，{filed_by}于{submitted_on}办理）。"
        "同一时间只能有一个长期备案：要换城市，请选择“变更备案”。",
        "You already have a valid long-term filing ({treatment_area}, number {reference}, made by {filed_by_en} "
        "on {submitted_on}). Only one long-term filing can be active at a time: to move it to another city, "
        "choose \"Change filing\"."),
    "start_date.in_past": (
        "长期备案的开始日期不能早于今天（{today}）。请选今天或以后的日期。",
        "A long-term filing cannot start before today ({today}). Please choose today or a later date."),
    "start_date.too_far": (
        "开始日期不能晚于{latest}。请选一个近一点的日期。",
        "The start date cannot be later than {latest}. Please choose an earlier date."),
    "start_date.beyond_late_limit": (
        "看病开始日期（{start_date}）已经过去{late_days}天，超过了{allowed_days}天的补办期限。"
        "请联系参保地医保部门咨询。",
        "Your treatment started on {start_date}, {late_days} days ago, which is past the {allowed_days}-day "
        "limit for filing afterwards. Please ask the insurance office where you are insured."),
    "start_date.end_before_start": (
        "结束日期要晚于开始日期（{start_date}）。请重新选择结束日期。",
        "The end date must be after the start date ({start_date}). Please choose the end date again."),
    "start_date.end_beyond_validity": (
        "这类备案最长只能到{latest_end}。请把结束日期选在这一天或之前。",
        "This type of filing can last until {latest_end} at most. Please choose that day or an earlier one."),
    "start_date": (
        "开始日期（{start_date}）不符合要求，请重新选择。",
        "The start date ({start_date}) cannot be used. Please choose another date."),
    "materials.commitment_not_accepted": (
        "您的参保地这类备案不接受承诺书，需要提交证明材料。",
        "Your insured area does not accept a signed promise for this type of filing. "
        "Please provide the papers instead."),
    "materials.documents": (
        "您选择用证明材料办理，需要工作人员核对（会电话联系您，或请您到窗口出示原件），审核完成后会通知您。",
        "You chose proof papers: a staff member will check them with you (by phone, or you show the originals "
        "at the window). You will be told the result."),
    "materials.missing": (
        "还缺少证明材料。请准备好材料再办理，或在允许的地方签署承诺书。",
        "Some papers are missing. Please get them ready and file again, or sign a promise letter where that is allowed."),
    "materials": (
        "证明材料不齐全，请补充后再提交。",
        "The papers are not complete. Please add what is missing and send again."),
    "self_service": (
        "您参保地的这类备案需要工作人员审核，审核完成后会通知您。",
        "Your insured area has staff check this type of filing. You will be told the result."),
    "change_lock.not_found": (
        "没有找到要变更的备案（编号{reference}）。请确认编号是否正确。",
        "We could not find the filing to change (number {reference}). Please check the number."),
    "change_lock.not_active": (
        "备案（编号{reference}）已经失效，不用变更，可以直接办理新的备案。",
        "The filing number {reference} is no longer valid, so there is nothing to change. "
        "You can make a new filing."),
    "change_lock": (
        "您的备案（编号{reference}）要到{lock_until}以后才能变更或取消。请到那时再来办理。",
        "Your filing (number {reference}) can be changed or cancelled from {lock_until}. "
        "Please come back then."),
}

CATEGORY_NAMES = {
    "retiree_resettled": ("异地安置退休人员", "retiree living in another place"),
    "long_term_resident": ("异地长期居住人员", "long-term resident in another place"),
    "posted_worker": ("常驻异地工作人员", "worker posted to another place"),
    "referral": ("异地转诊就医人员", "referral to a hospital in another place"),
    "emergency": ("异地急诊抢救人员", "emergency care in another place"),
    "other_temporary": ("其他临时外出就医人员", "other temporary care in another place"),
}

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
