"""Filing decisions: an insured retiree from Harbin, her son acting as agent, and Harbin's filing rules."""
import json
from dataclasses import replace
from datetime import date, timedelta

import pytest

from backend.rules.filing_decision import (
    CHECK_SENTENCES, LONG_TERM, TEMPORARY, Application, Check, ExistingFiling, PersonView, PolicyView,
    add_months, can_change_or_cancel, conflicting_filing, decide_filing, explain, validity_end,
)

today = date(2026, 11, 22)
HARBIN, HEILONGJIANG = "230100", "230000"
SANYA, HAINAN = "460200", "460000"
SHENZHEN, GUANGDONG = "440300", "440000"
DAQING = "230600"

HARBIN_RULES = PolicyView(
    area_code=HARBIN,
    categories_offered=LONG_TERM + TEMPORARY,
    materials={
        "retiree_resettled": (("household_register", "residence_registration"),),
        "long_term_resident": (("residence_permit",), ("community_residence_proof",)),
        "posted_worker": (("posting_letter",), ("labour_contract",)),
        "referral": (("referral_certificate",),),
        "emergency": (),
        "other_temporary": (),
    },
    commitment_letter_categories=LONG_TERM + ("referral",),
    self_service_enabled=True,
    manual_review_categories=(),
    change_lock_months=3,
    commitment_lock_months=6,
    temporary_validity_months=6,
    referral_validity_months=12,
    emergency_late_filing_days=5,
    policy_id=7,
)

RETIREE = PersonView(person_id=1, insured_area_code=HARBIN, insured_province_code=HEILONGJIANG,
                     insurance_status="normal", contribution_status="paid")


def apply_for(category="retiree_resettled", **changes):
    """Build a Harbin retiree's application for Sanya, letter signed where documents are needed."""
    needs_letter = bool(HARBIN_RULES.materials.get(category))
    base = Application(category=category, insured_area_code=HARBIN, treatment_area_code=SANYA,
                       treatment_province_code=HAINAN, start_date=today,
                       materials_choice="commitment_letter" if needs_letter else None)
    return replace(base, **changes)


def filing(reference="BA2026000001", **changes):
    base = ExistingFiling(reference=reference, status="approved", category="retiree_resettled",
                          treatment_area_code=SANYA, start_date=date(2026, 3, 1), end_date=None,
                          lock_until=date(2026, 9, 1), filed_by_relation=None, filed_by_name_masked=None,
                          submitted_on=date(2026, 2, 20))
    return replace(base, **changes)


def decide(app=None, person=RETIREE, policy=HARBIN_RULES, existing=()):
    return decide_filing(app or apply_for(), person, policy, existing, today)


def check(decision, code):
    return next(c for c in decision.checks if c.code == code)


# --- outcomes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("category", LONG_TERM + TEMPORARY)
def test_it_approves_every_category_at_once_in_a_self_service_area(category):
    decision = decide(apply_for(category))
    assert decision.outcome == "approved"
    assert decision.reason is None
    assert decision.failed() == ()


def test_it_records_every_check_in_a_stable_order():
    codes = [c.code for c in decide().checks]
    assert codes == ["insurance_status", "category_offered", "cross_province", "no_overlap", "one_long_term",
                     "start_date", "materials", "self_service"]
    change = decide(apply_for(replaces_reference="BA2026000001"), existing=[filing()])
    assert [c.code for c in change.checks] == codes + ["change_lock"]


def test_it_sends_a_category_the_area_reviews_by_hand_to_the_review_queue():
    rules = replace(HARBIN_RULES, manual_review_categories=("posted_worker",))
    decision = decide(apply_for("posted_worker"), policy=rules)
    assert (decision.outcome, decision.reason) == ("pending_review", "self_service")
    assert check(decision, "self_service").params["manual_category"] is True


def test_it_sends_everything_to_review_where_self_service_is_switched_off():
    decision = decide(policy=replace(HARBIN_RULES, self_service_enabled=False))
    assert (decision.outcome, decision.reason) == ("pending_review", "self_service")


def test_it_sends_uploaded_documents_to_staff_review():
    decision = decide(apply_for("long_term_resident", materials_choice="documents"))
    assert decision.outcome == "pending_review"
    assert check(decision, "materials").effect == "review"
    assert "工作人员" in explain(check(decision, "materials"))


def test_a_refusal_wins_over_a_review_and_gives_the_first_refusing_reason():
    person = replace(RETIREE, insurance_status="suspended")
    decision = decide(apply_for(materials_choice="documents"), person=person,
                      policy=replace(HARBIN_RULES, self_service_enabled=False))
    assert decision.outcome == "refused"
    assert decision.reason == "insurance_status"
    assert [c.code for c in decision.failed()] == ["insurance_status", "materials", "self_service"]


def test_every_check_params_can_be_stored_as_json():
    decision = decide(apply_for("emergency", start_date=today - timedelta(days=9), end_date=today),
                      existing=[filing(filed_by_relation="son", filed_by_name_masked="张*")])
    json.dumps([c.params for c in decision.checks])


# --- insurance status ----------------------------------------------------------------------------

@pytest.mark.parametrize("insurance, contribution, passed", [
    ("normal", "paid", True),
    ("suspended", "paid", False),
    ("terminated", "paid", False),
    ("normal", "interrupted", False),
])
def test_it_requires_normal_paid_insurance(insurance, contribution, passed):
    person = replace(RETIREE, insurance_status=insurance, contribution_status=contribution)
    decision = decide(person=person)
    assert check(decision, "insurance_status").passed is passed
    assert (decision.outcome == "refused") is not passed


# --- category and policy -------------------------------------------------------------------------

def test_it_refuses_a_category_the_insured_area_does_not_offer():
    rules = replace(HARBIN_RULES, categories_offered=("referral", "emergency"))
    decision = decide(apply_for("posted_worker"), policy=rules)
    assert (decision.outcome, decision.reason) == ("refused", "category_offered")
    assert "常驻异地工作人员" in explain(check(decision, "category_offered"))


def test_it_refuses_when_the_insured_area_has_no_rules_loaded():
    decision = decide(policy=None)
    assert (decision.outcome, decision.reason) == ("refused", "policy_missing")
    assert check(decision, "policy_missing").params == {"area_code": HARBIN}
    assert [c.code for c in decision.checks] == ["insurance_status", "policy_missing", "cross_province",
                                                 "no_overlap", "one_long_term"]
    assert decision.lock_until is None


# --- cross-province ------------------------------------------------------------------------------

def test_it_refuses_care_in_the_same_province_and_points_to_the_local_office():
    decision = decide(apply_for(treatment_area_code=DAQING, treatment_province_code=HEILONGJIANG))
    assert (decision.outcome, decision.reason) == ("refused", "cross_province")
    assert "当地医保部门" in explain(check(decision, "cross_province"))


def test_it_refuses_care_in_the_insured_area_itself():
    decision = decide(apply_for(treatment_area_code=HARBIN, treatment_province_code=HEILONGJIANG))
    failed = check(decision, "cross_province")
    assert failed.params["same_area"] is True
    assert "不需要备案" in explain(failed)


def test_an_xpcc_member_treated_in_xinjiang_is_cross_provincial():
    xpcc = replace(RETIREE, insured_area_code="660000", insured_province_code="660000")
    app = apply_for(insured_area_code="660000", treatment_area_code="650100", treatment_province_code="650000")
    assert check(decide(app, person=xpcc), "cross_province").passed


# --- overlap -------------------------------------------------------------------------------------

def test_it_refuses_a_second_active_filing_for_the_same_city_and_names_the_son_who_filed_it():
    by_son = filing(filed_by_relation="son", filed_by_name_masked="张*")
    decision = decide(existing=[by_son])
    failed = check(decision, "no_overlap")
    assert (decision.outcome, decision.reason) == ("refused", "no_overlap")
    assert failed.params["filed_by"] == "儿子 张*"
    assert failed.params["reference"] == "BA2026000001"
    assert failed.params["submitted_on"] == "2026-02-20"
    assert explain(failed) == ("您在460200已有一个有效备案（编号BA2026000001，儿子 张*于2026-02-20办理），"
                               "不能重复备案。如需更改，请选择“变更备案”。")
    assert "your son 张*" in explain(failed, "en")


def test_it_says_you_yourself_filed_it_when_there_was_no_agent():
    failed = check(decide(existing=[filing()]), "no_overlap")
    assert failed.params["filed_by"] == "您本人"


def test_it_refuses_while_an_earlier_filing_is_still_pending_review():
    failed = check(decide(existing=[filing(status="pending_review")]), "no_overlap")
    assert not failed.passed
    assert "正在审核" in explain(failed)


@pytest.mark.parametrize("old", [
    filing(status="cancelled"),
    filing(status="rejected"),
    filing(status="expired"),
    filing(treatment_area_code=SHENZHEN),
    filing(category="referral", start_date=date(2026, 1, 1), end_date=date(2026, 6, 30)),
], ids=["cancelled", "rejected", "expired", "another city", "ended before"])
def test_it_sees_no_overlap_with_inactive_filings_other_cities_or_past_periods(old):
    assert check(decide(existing=[old]), "no_overlap").passed


def test_a_temporary_filing_ending_before_an_existing_long_term_one_starts_does_not_overlap():
    later = filing(start_date=date(2027, 3, 1))
    app = apply_for("other_temporary", end_date=date(2027, 2, 28))
    assert decide(app, existing=[later]).outcome == "approved"
    clash = apply_for("other_temporary", end_date=date(2027, 3, 1))
    assert decide(clash, existing=[later]).reason == "no_overlap"


def test_an_explicit_change_replaces_the_old_filing_instead_of_overlapping_it():
    decision = decide(apply_for(replaces_reference="BA2026000001"), existing=[filing()])
    assert check(decision, "no_overlap").passed
    assert decision.outcome == "approved"


# --- start and end dates -------------------------------------------------------------------------

@pytest.mark.parametrize("category, start, passed, flag", [
    ("retiree_resettled", today, True, None),
    ("retiree_resettled", today - timedelta(days=1), False, "in_past"),
    ("retiree_resettled", date(2027, 11, 22), True, None),
    ("retiree_resettled", date(2027, 11, 23), False, "too_far"),
    ("referral", today - timedelta(days=30), True, "late"),
    ("referral", today - timedelta(days=31), False, "beyond_late_limit"),
    ("other_temporary", date(2027, 11, 23), False, "too_far"),
    ("emergency", today + timedelta(days=30), True, None),
    ("emergency", today + timedelta(days=31), False, "too_far"),
])
def test_it_checks_the_start_date_for_each_kind_of_filing(category, start, passed, flag):
    result = check(decide(apply_for(category, start_date=start)), "start_date")
    assert result.passed is passed
    if flag:
        assert result.params[flag] is True


def test_it_accepts_an_emergency_filed_three_days_late_in_a_five_day_area():
    decision = decide(apply_for("emergency", start_date=today - timedelta(days=3)))
    assert decision.outcome == "approved"
    assert check(decision, "start_date").params["late"] is True


def test_it_sends_an_emergency_filed_eight_days_late_to_staff():
    decision = decide(apply_for("emergency", start_date=today - timedelta(days=8)))
    assert (decision.outcome, decision.reason) == ("pending_review", "start_date")
    failed = check(decision, "start_date")
    assert failed.effect == "review"
    assert "8天" in explain(failed) and "5天" in explain(failed)


def test_it_refuses_other_temporary_care_that_started_forty_days_ago():
    decision = decide(apply_for("other_temporary", start_date=today - timedelta(days=40)))
    assert (decision.outcome, decision.reason) == ("refused", "start_date")


@pytest.mark.parametrize("end, flag", [
    (today, "end_before_start"),
    (today - timedelta(days=1), "end_before_start"),
    (date(2027, 5, 23), "end_beyond_validity"),
])
def test_it_refuses_a_requested_end_date_outside_the_validity(end, flag):
    decision = decide(apply_for("other_temporary", end_date=end))
    failed = check(decision, "start_date")
    assert (decision.outcome, failed.params[flag]) == ("refused", True)
    assert decision.end_date == date(2027, 5, 22)


def test_it_keeps_a_valid_requested_end_date():
    assert decide(apply_for("other_temporary", end_date=date(2027, 1, 10))).end_date == date(2027, 1, 10)


@pytest.mark.parametrize("category, end", [
    ("referral", date(2027, 11, 22)),
    ("emergency", date(2027, 5, 22)),
    ("other_temporary", date(2027, 5, 22)),
    ("retiree_resettled", None),
])
def test_it_uses_the_areas_validity_when_no_end_date_is_requested(category, end):
    assert decide(apply_for(category)).end_date == end
    assert validity_end(category, today, HARBIN_RULES) == end


# --- materials -----------------------------------------------------------------------------------

def test_it_refuses_a_commitment_letter_where_the_area_does_not_accept_one():
    rules = replace(HARBIN_RULES, commitment_letter_categories=("retiree_resettled",))
    decision = decide(apply_for("posted_worker"), policy=rules)
    failed = check(decision, "materials")
    assert (decision.outcome, failed.params["commitment_not_accepted"]) == ("refused", True)
    assert "不接受承诺书" in explain(failed)


def test_it_refuses_when_required_papers_are_neither_sent_nor_promised():
    decision = decide(apply_for("referral", materials_choice=None))
    assert (decision.outcome, decision.reason) == ("refused", "materials")
    assert check(decision, "materials").params["missing"] is True


def test_it_needs_nothing_where_the_area_waives_papers_like_shenzhen():
    rules = replace(HARBIN_RULES, materials={**HARBIN_RULES.materials, "referral": ()})
    assert decide(apply_for("referral", materials_choice=None), policy=rules).outcome == "approved"


# --- change lock ---------------------------------------------------------------------------------

def test_it_refuses_a_change_inside_the_lock_period():
    locked = filing(lock_until=date(2027, 1, 1))
    decision = decide(apply_for(replaces_reference="BA2026000001"), existing=[locked])
    failed = check(decision, "change_lock")
    assert (decision.outcome, decision.reason) == ("refused", "change_lock")
    assert failed.params == {"reference": "BA2026000001", "lock_until": "2027-01-01"}
    assert "2027-01-01" in explain(failed)


@pytest.mark.parametrize("lock_until", [today, today - timedelta(days=1), None])
def test_it_allows_a_change_once_the_lock_has_ended(lock_until):
    assert can_change_or_cancel(filing(lock_until=lock_until), today).passed


def test_it_refuses_to_change_a_filing_that_cannot_be_found():
    decision = decide(apply_for(replaces_reference="BA-NOPE"), existing=[filing()])
    failed = check(decision, "change_lock")
    assert failed.params["not_found"] is True
    assert "没有找到" in explain(failed)


def test_it_refuses_to_change_a_filing_that_was_already_cancelled():
    decision = decide(apply_for(replaces_reference="BA2026000001"), existing=[filing(status="cancelled")])
    assert check(decision, "change_lock").params["not_active"] is True


@pytest.mark.parametrize("category, choice, lock", [
    ("long_term_resident", "documents", date(2027, 2, 22)),
    ("long_term_resident", "commitment_letter", date(2027, 5, 22)),
    ("referral", "commitment_letter", None),
])
def test_it_locks_long_term_filings_longer_when_made_on_a_commitment_letter(category, choice, lock):
    assert decide(apply_for(category, materials_choice=choice)).lock_until == lock


# --- dates helper --------------------------------------------------------------------------------

@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 11, 22), 12, date(2027, 11, 22)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 5, 15), 0, date(2026, 5, 15)),
])
def test_add_months_clamps_to_the_end_of_a_shorter_month(start, months, expected):
    assert add_months(start, months) == expected


# --- sentences -----------------------------------------------------------------------------------

def test_every_sentence_has_chinese_and_english():
    for code, (zh, en) in CHECK_SENTENCES.items():
        assert zh.strip() and en.strip(), code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), code
        assert en.isascii(), code


@pytest.mark.parametrize("code", sorted({k.split(".")[0] for k in CHECK_SENTENCES} | {"unknown_code"}))
@pytest.mark.parametrize("lang", ["zh_CN", "en", "fr"])
def test_explain_never_raises_when_params_are_missing(code, lang):
    assert explain(Check(code, False, "refuse", {}), lang)
    for key in CHECK_SENTENCES:
        if key.startswith(code + "."):
            assert explain(Check(code, False, "refuse", {key.split(".", 1)[1]: True}), lang)


def test_every_failed_check_the_rules_can_produce_has_its_own_sentence():
    decision = decide(apply_for("posted_worker", start_date=today - timedelta(days=2), materials_choice=None,
                                treatment_area_code=DAQING, treatment_province_code=HEILONGJIANG,
                                replaces_reference="BA-NOPE"),
                      person=replace(RETIREE, contribution_status="interrupted"),
                      policy=replace(HARBIN_RULES, categories_offered=(), self_service_enabled=False))
    generic = explain(Check("unknown_code", False, "refuse", {}))
    for failed in decision.failed():
        assert explain(failed) != generic, failed.code
        assert explain(failed, "en") != explain(Check("unknown_code", False, "refuse", {}), "en")
    assert len(decision.failed()) == 7


# --- one long-term filing at a time ----------------------------------------------------------------

SHENZHEN = "440300"


def test_it_refuses_a_second_long_term_filing_in_another_city_and_names_the_first():
    first = filing(treatment_area_code=SHENZHEN, filed_by_relation="son", filed_by_name_masked="张*")
    decision = decide(apply_for("posted_worker"), existing=[first])
    assert (decision.outcome, decision.reason) == ("refused", "one_long_term")
    params = check(decision, "one_long_term").params
    assert (params["reference"], params["treatment_area"], params["lock_until"]) == (
        "BA2026000001", SHENZHEN, "2026-09-01")
    assert "儿子 张*" in explain(check(decision, "one_long_term"))


def test_it_moves_a_long_term_filing_to_another_city_only_as_an_explicit_change():
    first = filing(treatment_area_code=SHENZHEN, lock_until=None)
    decision = decide(apply_for(replaces_reference="BA2026000001"), existing=[first])
    assert decision.outcome == "approved"
    assert check(decision, "one_long_term").passed


def test_a_temporary_filing_elsewhere_does_not_collide_with_a_long_term_one():
    first = filing(treatment_area_code=SHENZHEN)
    assert decide(apply_for("other_temporary"), existing=[first]).outcome == "approved"


def test_a_cancelled_long_term_filing_leaves_room_for_a_new_one():
    first = filing(treatment_area_code=SHENZHEN, status="cancelled")
    assert decide(apply_for("long_term_resident"), existing=[first]).outcome == "approved"


def test_the_conflict_a_conversation_asks_about_treats_unknown_parts_as_colliding():
    long_term_elsewhere = filing(treatment_area_code=SHENZHEN)
    # Category still unknown: only a filing for the same city is certain to matter.
    assert conflicting_filing(None, SANYA, None, None, [long_term_elsewhere]) is None
    assert conflicting_filing(None, SHENZHEN, None, None, [long_term_elsewhere])[0] == "no_overlap"
    # Once the conversation knows it is long-term, the filing in any city is named.
    assert conflicting_filing("retiree_resettled", SANYA, None, None, [long_term_elsewhere])[0] == "one_long_term"
    assert conflicting_filing("retiree_resettled", SANYA, None, None, [long_term_elsewhere],
                              "BA2026000001") is None
