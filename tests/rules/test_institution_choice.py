"""Would a visit settle at this institution? Every explanation case (DOMAIN.md section 2)."""
from datetime import date

import pytest

from backend.rules.institution_choice import (
    ChoiceRules, FilingView, InstitutionView, explain, explain_visit, validate_choice,
)

ON = date(2026, 12, 10)
SHENZHEN, SUZHOU = "440300", "320500"
FILING = FilingView("BA1", "approved", SHENZHEN, date(2026, 12, 1), None)
HOSPITAL = InstitutionView("H1", "北京大学深圳医院", SHENZHEN, "3A", ("inpatient", "outpatient", "chronic"),
                           ("hypertension", "diabetes"))
INPATIENT_ONLY = InstitutionView("H2", "某某医院", SHENZHEN, "2", ("inpatient",))
ELSEWHERE = InstitutionView("H3", "苏州大学附属第一医院", SUZHOU, "3A", ("inpatient", "outpatient"))
OPEN = ChoiceRules()


def failed(verdict):
    return [c.code for c in verdict.failed()]


def test_it_settles_an_outpatient_visit_at_a_networked_hospital_in_the_filed_city():
    verdict = explain_visit(HOSPITAL, FILING, "outpatient", ON, OPEN)
    assert verdict.settles and failed(verdict) == []


def test_it_says_an_inpatient_only_hospital_cannot_settle_an_outpatient_visit():
    verdict = explain_visit(INPATIENT_ONLY, FILING, "outpatient", ON, OPEN)
    assert failed(verdict) == ["networked_for_service"]
    sentence = explain(verdict.failed()[0])
    assert "普通门诊" in sentence and "住院" in sentence


def test_it_says_the_institution_is_not_in_the_filed_area():
    verdict = explain_visit(ELSEWHERE, FILING, "inpatient", ON, OPEN)
    assert failed(verdict) == ["in_filed_area"]
    assert "深圳市" in explain(verdict.failed()[0], names={SHENZHEN: "深圳市"})


def test_it_says_the_hospital_is_not_one_of_the_chosen_ones_where_the_area_requires_a_choice():
    rules = ChoiceRules(max_institutions=3)
    verdict = explain_visit(HOSPITAL, FILING, "inpatient", ON, rules)
    assert failed(verdict) == ["chosen_institution"]
    chosen = FilingView("BA1", "approved", SHENZHEN, date(2026, 12, 1), None, ("H1",))
    assert explain_visit(HOSPITAL, chosen, "inpatient", ON, rules).settles


def test_it_says_the_level_is_not_allowed():
    verdict = explain_visit(INPATIENT_ONLY, FILING, "inpatient", ON, ChoiceRules(allowed_levels=("3A", "3B")))
    assert failed(verdict) == ["level_allowed"]
    assert "三级甲等" in explain(verdict.failed()[0])


def test_it_checks_the_disease_for_chronic_care():
    assert explain_visit(HOSPITAL, FILING, "chronic", ON, OPEN, disease="diabetes").settles
    verdict = explain_visit(HOSPITAL, FILING, "chronic", ON, OPEN, disease="uraemia_dialysis")
    assert failed(verdict) == ["networked_for_disease"]


@pytest.mark.parametrize("filing, on", [
    (None, ON),
    (FilingView("BA1", "pending_review", SHENZHEN, date(2026, 12, 1), None), ON),
    (FilingView("BA1", "approved", SHENZHEN, date(2026, 12, 1), date(2026, 12, 5)), ON),
    (FilingView("BA1", "approved", SHENZHEN, date(2026, 12, 20), None), ON),
])
def test_it_needs_an_approved_filing_covering_the_date(filing, on):
    assert "filing_valid" in failed(explain_visit(HOSPITAL, filing, "inpatient", on, OPEN))


def test_an_admission_on_the_last_day_of_validity_still_settles():
    filing = FilingView("BA1", "approved", SHENZHEN, date(2026, 12, 1), ON)
    assert explain_visit(HOSPITAL, filing, "inpatient", ON, OPEN).settles


def test_a_choice_is_checked_against_number_area_and_level():
    institutions = {i.code: i for i in (HOSPITAL, INPATIENT_ONLY, ELSEWHERE)}
    rules = ChoiceRules(max_institutions=2, allowed_levels=("3A",))
    assert validate_choice(["H1"], institutions, SHENZHEN, rules) == []
    codes = [c.code for c in validate_choice(["H1", "H2", "H3"], institutions, SHENZHEN, rules)]
    assert codes == ["too_many_institutions", "level_allowed", "in_filed_area"]
    assert [c.code for c in validate_choice(["H9"], institutions, SHENZHEN, rules)] == ["unknown_institution"]


def test_every_sentence_renders_in_both_languages_without_parameters():
    from backend.rules.institution_choice import SENTENCES, Check

    for code in SENTENCES:
        for lang in ("zh_CN", "en"):
            assert explain(Check(code, False, {}), lang)


def test_a_filing_under_review_that_starts_after_the_visit_says_both():
    # From a persona trial: under review, starting 2027-01-15, asked about 2027-01-10 and 2027-01-20.
    filing = FilingView("BA1", "pending_review", SHENZHEN, date(2027, 1, 15), None)
    before = explain_visit(HOSPITAL, filing, "inpatient", date(2027, 1, 10), OPEN, today=date(2026, 12, 7))
    words = explain(before.failed()[0])
    assert "审核" in words and "1月15日起才生效" in words and "1月10日" in words
    after = explain_visit(HOSPITAL, filing, "inpatient", date(2027, 1, 20), OPEN, today=date(2026, 12, 7))
    assert "起才生效" not in explain(after.failed()[0]) and "审核" in explain(after.failed()[0])
