"""Will direct settlement work? Every reason of DOMAIN.md section 4.3, one row each, over the pure check."""
import dataclasses
from datetime import date, datetime

import pytest

from backend.rules.institution_choice import InstitutionView
from backend.rules.readiness import REASONS, PersonFacts, RegisteredFiling, Window, check, explain

ON = date(2026, 12, 10)
SHENZHEN, GUANGDONG, GUANGZHOU = "440300", "440000", "440100"
# The retiree's filing for Shenzhen, handed off to the settlement service, open-ended from 1 December.
FILING = RegisteredFiling("BA1", "registered", "retiree_resettled", SHENZHEN, date(2026, 12, 1), None)
HOSPITAL = InstitutionView("H1", "北京大学深圳医院", SHENZHEN, "3A", ("inpatient", "outpatient", "chronic"),
                           ("hypertension", "diabetes"))
QUALIFIED = PersonFacts(qualifications=("diabetes",))
NAMES = {SHENZHEN: "深圳市", GUANGDONG: "广东省", GUANGZHOU: "广州市", "diabetes": "糖尿病",
         "uraemia_dialysis": "尿毒症透析"}


def visit(**changes):
    """The visit every row starts from (an inpatient stay that settles), with one thing changed."""
    args = {"filings": [FILING], "institution": HOSPITAL, "service": "inpatient", "on": ON, "person": QUALIFIED}
    args.update(changes)
    return check(args.pop("filings"), args.pop("institution"), args.pop("service"), args.pop("on"),
                 args.pop("person"), **args)


def test_it_is_ready_for_a_stay_at_a_networked_hospital_in_the_filed_city_inside_the_filing():
    result = visit()
    assert result.ready and result.failed() == () and result.filing_reference == "BA1"


CASES = [
    ("not filed at all", {"filings": []}, ["filed"]),
    ("before the filing starts", {"on": date(2026, 11, 25)}, ["filing_in_force"]),
    ("after the filing expired",
     {"filings": [dataclasses.replace(FILING, category="referral", end_date=date(2026, 12, 5))]},
     ["filing_in_force"]),
    ("a cancelled filing", {"filings": [dataclasses.replace(FILING, status="cancelled")]}, ["filing_in_force"]),
    ("filed for another city", {"institution": dataclasses.replace(HOSPITAL, area_code=GUANGZHOU)}, ["filed_area"]),
    ("filed to the province instead of the city",
     {"filings": [dataclasses.replace(FILING, treatment_area_code=GUANGDONG)]}, ["filed_to_province"]),
    ("lives there on a temporary filing",
     {"filings": [dataclasses.replace(FILING, category="other_temporary")],
      "person": dataclasses.replace(QUALIFIED, living_there=True)}, ["category_fits_stay"]),
    ("not one of the chosen hospitals",
     {"filings": [dataclasses.replace(FILING, chosen_codes=("H9",), choice_required=True)]}, ["chosen_institution"]),
    ("a choice is required and none was made",
     {"filings": [dataclasses.replace(FILING, choice_required=True)]}, ["chosen_institution"]),
    ("an inpatient-only hospital for an outpatient visit",
     {"institution": dataclasses.replace(HOSPITAL, services=("inpatient",)), "service": "outpatient"},
     ["networked_for_service"]),
    ("not networked for the disease", {"service": "chronic", "disease": "uraemia_dialysis",
                                       "person": PersonFacts(qualifications=("uraemia_dialysis",))},
     ["networked_for_disease"]),
    ("insurance suspended", {"person": dataclasses.replace(QUALIFIED, insurance_status="suspended")},
     ["insurance_normal"]),
    ("contributions interrupted", {"person": dataclasses.replace(QUALIFIED, contribution_status="interrupted")},
     ["insurance_normal"]),
    ("e-voucher not activated", {"person": dataclasses.replace(QUALIFIED, credential_activated=False)},
     ["credential_activated"]),
    ("no chronic-disease qualification", {"service": "chronic", "disease": "hypertension"}, ["qualification"]),
    ("the platform is down for maintenance that day",
     {"maintenance": (Window(datetime(2026, 12, 10, 0, 0), datetime(2026, 12, 10, 6, 0)),)},
     ["platform_available"]),
]


@pytest.mark.parametrize("case, changes, reasons", CASES, ids=[c[0] for c in CASES])
def test_it_names_the_one_reason_a_visit_will_not_settle(case, changes, reasons):
    result = visit(**changes)
    assert not result.ready
    assert [c.code for c in result.failed()] == reasons, case


def test_the_table_covers_every_reason_the_service_can_give():
    assert {code for _, _, reasons in CASES for code in reasons} == set(REASONS)


@pytest.mark.parametrize("case, changes, reasons", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_reason_reads_as_a_full_sentence_with_what_to_do(case, changes, reasons, lang):
    failed = visit(**changes).failed()[0]
    said = explain(failed, lang, NAMES)
    assert said["code"] == failed.code
    assert said["reason"] and said["action"] and "{" not in said["reason"] + said["action"], said


def test_it_lists_every_reason_that_applies_not_only_the_first():
    result = visit(filings=[dataclasses.replace(FILING, end_date=date(2026, 12, 5))], service="outpatient",
                   institution=dataclasses.replace(HOSPITAL, services=("inpatient",)),
                   person=PersonFacts(contribution_status="interrupted", credential_activated=False))
    assert [c.code for c in result.failed()] == ["filing_in_force", "networked_for_service", "insurance_normal",
                                                 "credential_activated"]


def test_the_chosen_hospital_settles_where_the_area_requires_a_choice():
    chosen = dataclasses.replace(FILING, chosen_codes=("H1",), choice_required=True)
    assert visit(filings=[chosen]).ready


def test_an_expired_filing_names_its_dates_and_a_province_filing_names_the_city_to_file_for():
    expired = visit(filings=[dataclasses.replace(FILING, end_date=date(2026, 12, 5))]).failed()[0]
    assert "2026-12-01至2026-12-05" in explain(expired, "zh_CN", NAMES)["reason"]
    province = visit(filings=[dataclasses.replace(FILING, treatment_area_code=GUANGDONG)]).failed()[0]
    said = explain(province, "zh_CN", NAMES)
    assert "广东省" in said["reason"] and said["action"] == "把备案的就医地变更为深圳市。"


def test_a_filing_in_force_for_the_institutions_city_wins_over_an_older_one_elsewhere():
    older = RegisteredFiling("BA0", "registered", "retiree_resettled", GUANGZHOU, date(2025, 1, 1), None)
    assert visit(filings=[older, FILING]).filing_reference == "BA1"


def test_a_purchase_settles_at_a_pharmacy_networked_for_it_and_not_at_one_that_is_not():
    pharmacy = InstitutionView("P1", "万家康大药房", SHENZHEN, "none", ("pharmacy", "chronic"))
    assert visit(institution=pharmacy, service="pharmacy").ready
    assert [c.code for c in visit(institution=pharmacy, service="outpatient").failed()] == ["networked_for_service"]
    assert [c.code for c in visit(service="pharmacy").failed()] == ["networked_for_service"]
