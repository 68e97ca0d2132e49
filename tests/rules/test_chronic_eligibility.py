"""The four conditions of outpatient chronic-disease direct settlement (DOMAIN.md section 3)."""
import itertools
from datetime import date
from decimal import Decimal

import pytest

from backend.rules.chronic_eligibility import (
    SENTENCES, AreaChronicRules, Condition, FilingView, InstitutionView, QualificationView, evaluate, explain,
)

ON = date(2026, 12, 10)
SHENYANG, SHENZHEN, SUZHOU = "210100", "440300", "320500"
QUALIFIED = (QualificationView("uraemia_dialysis", date(2024, 3, 1), None),)
FILED = (FilingView("BA1", "approved", "retiree_resettled", SHENZHEN, date(2026, 12, 1), None),)
OPENED = AreaChronicRules(SHENYANG, {"uraemia_dialysis": Decimal("6000.00")})
NOT_OPENED = AreaChronicRules(SHENYANG, {"hypertension": None})
NETWORKED = InstitutionView("H1", "深圳市人民医院", SHENZHEN, ("uraemia_dialysis",))
NOT_NETWORKED = InstitutionView("H2", "某某社区卫生服务中心", SHENZHEN, ("hypertension",))


@pytest.mark.parametrize("qualified, filed, opened, networked", list(itertools.product([True, False], repeat=4)))
def test_every_combination_of_the_four_conditions(qualified, filed, opened, networked):
    result = evaluate(
        "uraemia_dialysis", SHENZHEN, ON,
        qualifications=QUALIFIED if qualified else (), filings=FILED if filed else (),
        rules=OPENED if opened else NOT_OPENED, institution=NETWORKED if networked else NOT_NETWORKED,
    )
    verdicts = {c.code: c.passed for c in result.conditions}
    assert verdicts == {"qualification": qualified, "filing": filed, "opened": opened, "institution": networked}
    assert result.eligible == all((qualified, filed, opened, networked))
    assert [c.passed for c in result.failing_first()] == sorted(verdicts.values())
    for condition in result.conditions:
        assert explain(condition, names={SHENYANG: "沈阳市", "uraemia_dialysis": "尿毒症透析"})


def reasons(result):
    return [c.reason for c in result.conditions if not c.passed]


def test_an_expired_qualification_fails_with_its_end_date():
    expired = (QualificationView("uraemia_dialysis", date(2023, 1, 1), date(2025, 12, 31)),)
    result = evaluate("uraemia_dialysis", SHENZHEN, ON, qualifications=expired, filings=FILED, rules=OPENED)
    assert reasons(result) == ["qualification_expired"]
    assert "2025-12-31" in explain(result.conditions[0])


def test_a_filing_that_expires_before_the_visit_fails():
    ending = (FilingView("BA1", "approved", "retiree_resettled", SHENZHEN, date(2026, 6, 1), date(2026, 12, 1)),)
    result = evaluate("uraemia_dialysis", SHENZHEN, ON, qualifications=QUALIFIED, filings=ending, rules=OPENED)
    assert reasons(result) == ["filing_expired"]


def test_a_temporary_filing_does_not_cover_chronic_care_unless_the_area_allows_it():
    temporary = (FilingView("BA1", "approved", "other_temporary", SHENZHEN, date(2026, 12, 1), date(2027, 6, 1)),)
    result = evaluate("uraemia_dialysis", SHENZHEN, ON, qualifications=QUALIFIED, filings=temporary, rules=OPENED)
    assert reasons(result) == ["filing_wrong_category"]
    lenient = AreaChronicRules(SHENYANG, OPENED.opened, filing_categories=("retiree_resettled", "other_temporary"))
    assert evaluate("uraemia_dialysis", SHENZHEN, ON, qualifications=QUALIFIED, filings=temporary,
                    rules=lenient).eligible


def test_a_filing_for_another_city_says_which():
    result = evaluate("uraemia_dialysis", SUZHOU, ON, qualifications=QUALIFIED, filings=FILED, rules=OPENED)
    assert reasons(result) == ["filing_other_area"]
    assert "深圳市" in explain(result.conditions[1], names={SHENZHEN: "深圳市", SUZHOU: "苏州市"})


def test_a_disease_the_insured_area_has_not_opened_points_to_manual_reimbursement():
    result = evaluate("uraemia_dialysis", SHENZHEN, ON, qualifications=QUALIFIED, filings=FILED, rules=NOT_OPENED)
    assert reasons(result) == ["disease_not_opened"]
    assert "手工报销" in explain(result.conditions[2])


def test_an_institution_in_another_city_fails():
    beijing = InstitutionView("H9", "北京协和医院", "110000", ("uraemia_dialysis",))
    result = evaluate("uraemia_dialysis", SHENZHEN, ON, qualifications=QUALIFIED, filings=FILED, rules=OPENED,
                      institution=beijing)
    assert reasons(result) == ["institution_other_area"]


def test_dialysis_settles_by_the_areas_fixed_monthly_amount():
    result = evaluate("uraemia_dialysis", SHENZHEN, ON, qualifications=QUALIFIED, filings=FILED, rules=OPENED,
                      institution=NETWORKED)
    assert result.eligible and result.fixed_monthly_amount == Decimal("6000.00")


def test_every_reason_has_both_languages_and_renders_without_parameters():
    for reason, (zh, en) in SENTENCES.items():
        assert (zh == "") == (en == "")
        explain(Condition("x", False, reason, {}), "zh_CN")
        explain(Condition("x", False, reason, {}), "en")
