"""The estimate through the HTTP API: the worked example to the fen, and the table of DOMAIN.md 4.2 cases."""
import pytest
import requests

from backend.cli.settlement_commands import SAMPLE_CATALOGUE_YAML
from backend import create_settlement_app
from backend.settlement import service
from backend.settlement.blueprint import api_token
from tests.support.personas import load_policies
from tests.support.server import serving

LANGFANG, BEIJING, SHENZHEN = "131000", "110000", "440300"
WORKED_EXAMPLE = {
    "insured_area": LANGFANG, "treatment_area": BEIJING, "scheme": "employee", "person_status": "retired",
    "category": "retiree_resettled", "visit_type": "chronic", "institution_level": "3A",
    "items": [{"code": "acarbose", "name": "阿卡波糖片", "amount": "32.52"},
              {"code": "repaglinide", "name": "瑞格列奈片", "amount": "31.77"}],
}
WHAT_IF = {"deductible": "1000", "ratio": "0.80", "annual_cap": "10000"}


@pytest.fixture()
def catalogue(app):
    with app.app_context():
        load_policies(LANGFANG, BEIJING, "210100")
        service.import_catalogue(SAMPLE_CATALOGUE_YAML)


def estimate(client, **changes):
    body = {**WORKED_EXAMPLE, **changes}
    return client.post("/api/v1/settlement/estimate", json=body)


def test_the_worked_example_reproduces_to_the_fen(client, catalogue):
    response = estimate(client)
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["total"], body["in_scope"], body["first_self_pay"]) == ("64.29", "61.11", "3.18")
    assert (body["fund_pays"], body["person_pays"], body["ratio_applied"]) == ("48.89", "15.40", "0.8000")
    assert body["lines"][1]["first_self_pay"] == "3.18" and body["lines"][1]["in_scope"] == "28.59"
    assert "乙类，先自付3.18元" in body["lines"][1]["explanation"]
    assert body["explanation"][-1] == "医保基金支付48.89元，个人支付15.40元。"
    assert body["explanation_en"][-1] == "The fund pays 48.89; you pay 15.40."
    assert body["sample_policy"] is True and body["estimate_id"]
    assert body["sample_catalogue"] is True  # both drugs were priced from the sample catalogue


def test_an_estimate_priced_only_from_the_persons_own_lines_does_not_claim_the_sample_catalogue(client, catalogue):
    own = [{"code": "own-1", "name": "自带药", "amount": "10.00", "category": "A"}]
    body = estimate(client, items=own).get_json()
    assert body["sample_catalogue"] is False and body["fund_pays"] == "8.00"


def test_the_worked_example_reproduces_over_real_http_with_the_service_in_its_own_app(app, catalogue, database_url):
    settlement = create_settlement_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with serving(settlement) as url:
        token = api_token(settlement.config)
        body = requests.post(f"{url}/settlement/v1/estimate", json=WORKED_EXAMPLE,
                             headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        refused = requests.post(f"{url}/settlement/v1/estimate", json=WORKED_EXAMPLE, timeout=10)
    assert (body["fund_pays"], body["person_pays"]) == ("48.89", "15.40")
    assert refused.status_code == 401


def A(amount, code="item"):  # noqa: N802 (reads like the catalogue's category)
    return {"code": code, "name": code, "amount": amount, "category": "A"}


@pytest.mark.parametrize("case, changes, fund, person", [
    ("deductible partly met", {"items": [A("3000.00")], "year_to_date": {"deductible_met": "400"}}, "1920.00", "1080.00"),
    ("deductible fully met", {"items": [A("3000.00")], "year_to_date": {"deductible_met": "1000"}}, "2400.00", "600.00"),
    ("visit below the deductible", {"items": [A("600.00")]}, "0.00", "600.00"),
    ("annual cap reached mid-visit", {"items": [A("3000.00")],
                                      "year_to_date": {"deductible_met": "1000", "fund_paid": "9000"}},
     "1000.00", "2000.00"),
    ("cap already used up", {"items": [A("3000.00")], "year_to_date": {"deductible_met": "1000", "fund_paid": "10000"}},
     "0.00", "3000.00"),
    ("price ceiling: bed fee over Beijing's 70.00", {"items": [{"code": "bed-general", "amount": "100.00"}],
                                                     "year_to_date": {"deductible_met": "1000"}}, "56.00", "44.00"),
    ("outside the catalogue is self-paid", {"items": [A("100.00"), {"code": "not-listed", "amount": "50.00"}],
                                            "year_to_date": {"deductible_met": "1000"}}, "80.00", "70.00"),
    ("long-term filer: local ratio", {"category": "long_term_resident", "items": [A("1000.00")],
                                      "year_to_date": {"deductible_met": "1000"}}, "800.00", "200.00"),
    ("referral: 10 points lower", {"category": "referral", "items": [A("1000.00")],
                                   "year_to_date": {"deductible_met": "1000"}}, "700.00", "300.00"),
    ("emergency: 10 points lower", {"category": "emergency", "items": [A("1000.00")],
                                    "year_to_date": {"deductible_met": "1000"}}, "700.00", "300.00"),
    ("other temporary: 20 points lower", {"category": "other_temporary", "items": [A("1000.00")],
                                          "year_to_date": {"deductible_met": "1000"}}, "600.00", "400.00"),
    ("zero amount", {"items": [A("0.00")]}, "0.00", "0.00"),
    ("half a fen rounds up", {"items": [A("0.05")], "policy": {**WHAT_IF, "deductible": "0", "ratio": "0.5"}},
     "0.03", "0.02"),
])
def test_the_split_follows_the_rules(client, catalogue, case, changes, fund, person):
    body = {"policy": WHAT_IF, **changes}
    response = estimate(client, **body)
    data = response.get_json()
    assert response.status_code == 200, data
    assert (data["fund_pays"], data["person_pays"]) == (fund, person), case
    assert data["policy_source"] == "override"


@pytest.mark.parametrize("scheme, status, fund", [
    # Langfang's SAMPLE chronic-outpatient ratios: employee working 75%, retired 80%, resident 60%.
    ("employee", "working", "75.00"), ("employee", "retired", "80.00"), ("resident", "working", "60.00"),
])
def test_the_insured_areas_ratio_depends_on_scheme_and_retirement(client, catalogue, scheme, status, fund):
    data = estimate(client, scheme=scheme, person_status=status, items=[A("100.00")]).get_json()
    assert data["fund_pays"] == fund and data["policy_source"] == "area_policy"


def test_the_cap_note_is_explained(client, catalogue):
    data = estimate(client, policy=WHAT_IF, items=[A("3000.00")],
                    year_to_date={"deductible_met": "1000", "fund_paid": "9000"}).get_json()
    assert data["cap_reached"] is True and any("年度最高支付限额" in s for s in data["explanation"])


@pytest.mark.parametrize("items, year_to_date, policy, field", [
    ([A("-1.00")], None, None, "items[0].amount"),
    ([A("10.00"), A("abc")], None, None, "items[1].amount"),
    ([A("1.234")], None, None, "items[0].amount"),
    ([A("NaN")], None, None, "items[0].amount"),
    ([A("Infinity")], None, None, "items[0].amount"),
    ([A("10.00")], {"deductible_met": "-5"}, None, "year_to_date.deductible_met"),
    ([A("10.00")], None, {"ratio": "1.5"}, "policy.ratio"),
    ([{"code": "x", "amount": "10.00", "category": "B", "first_self_pay_ratio": "-0.1"}], None, None,
     "items[0].first_self_pay_ratio"),
])
def test_malformed_amounts_answer_400_naming_the_field(client, catalogue, items, year_to_date, policy, field):
    body = {"items": items}
    if year_to_date:
        body["year_to_date"] = year_to_date
    if policy:
        body["policy"] = policy
    response = estimate(client, **body)
    data = response.get_json()
    assert response.status_code == 400, data
    assert data["params"]["field"] == field and field in data["message"]


@pytest.mark.parametrize("body, field", [
    ({**WORKED_EXAMPLE, "items": [{"code": "x", "amount": 12.5}]}, "items"),
    ({**WORKED_EXAMPLE, "items": []}, "items"),
    ({**WORKED_EXAMPLE, "insured_area": "abc"}, "insured_area"),
    ({**WORKED_EXAMPLE, "visit_type": "dental"}, "visit_type"),
])
def test_malformed_requests_answer_400_naming_the_field(client, catalogue, body, field):
    response = client.post("/api/v1/settlement/estimate", json=body)
    data = response.get_json()
    assert response.status_code == 400 and field in data["detail"]["json"]


def test_an_area_without_a_policy_asks_for_the_figures(client, catalogue):
    data = estimate(client, insured_area="460100", items=[A("10.00")]).get_json()
    assert data["error"] == "no_policy" and data["params"]["field"] == "policy.deductible"


def test_the_openapi_document_describes_the_estimate_readiness_and_the_service_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/settlement/estimate", "/api/v1/settlement/readiness", "/settlement/v1/registrations",
                 "/settlement/v1/readiness", "/settlement/v1/estimate"):
        assert "post" in paths[path], path
    estimate_body = paths["/api/v1/settlement/estimate"]["post"]["requestBody"]["content"]["application/json"]
    assert estimate_body["schema"]
