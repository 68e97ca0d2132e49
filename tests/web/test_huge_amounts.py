"""Amounts beyond the documented bound (100,000,000.00 yuan) answer 400 naming the field, on every route
that takes one; with the settlement service in its own process the person still hears "金额填写有误"."""
import pytest

from backend.rules.policy_validation import validate_policy
from backend.settlement.blueprint import api_token
from tests.support.pages import PageActions
from tests.web.test_settlement_estimate import WORKED_EXAMPLE, catalogue  # noqa: F401
from tests.web.test_settlement_over_http import own_service, service_app  # noqa: F401

HUGE = ["1e26", "1e30", "100000000.01", "Infinity", "NaN"]


@pytest.mark.parametrize("amount", HUGE)
def test_it_refuses_a_huge_amount_naming_the_field_on_both_estimate_apis(app, client, catalogue, amount):
    items = [WORKED_EXAMPLE["items"][0], {"code": "repaglinide", "amount": amount}]
    for path, headers in (("/api/v1/settlement/estimate", {}),
                          ("/settlement/v1/estimate", {"Authorization": f"Bearer {api_token(app.config)}"})):
        response = client.post(path, json={**WORKED_EXAMPLE, "items": items}, headers=headers)
        body = response.get_json()
        assert response.status_code == 400, (path, body)
        assert body["error"] == "invalid_amount" and body["params"]["field"] == "items[1].amount"
    override = client.post("/api/v1/settlement/estimate",
                           json={**WORKED_EXAMPLE, "policy": {"deductible": amount, "ratio": "0.9", "annual_cap": "1"}})
    assert override.status_code == 400 and override.get_json()["params"]["field"] == "policy.deductible"


def test_the_documents_state_the_upper_bound_of_an_amount(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "100000000.00" in schemas["LineItemIn"]["properties"]["amount"]["description"]
    assert "100000000.00" in schemas["PolicyOverrideIn"]["properties"]["deductible"]["description"]


def test_the_estimate_page_refuses_a_huge_total_and_keeps_it(app, client, people, today):
    pages = PageActions(client)
    pages.sign_in("op-retiree")
    response = pages.open("/m/estimate?total=1e30&city=深圳&visit=inpatient")

    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "金额填写有误" in html and 'value="1e30"' in html


def test_an_imported_policy_with_a_huge_deductible_is_refused_by_line():
    doc = {"area": "210100", "effective_from": "2027-01-01", "filing": {},
           "reimbursement": [{"scheme": "employee", "person_status": "any", "institution_level": "any",
                              "visit_type": "inpatient", "deductible": "1e30", "ratio": "0.9", "annual_cap": "1e31"}]}

    problems = validate_policy(doc, pool_codes={"210100"}, disease_codes=set())

    assert any(p.startswith("reimbursement[0].deductible") for p in problems), problems


def test_a_huge_amount_sent_to_the_services_own_process_is_told_as_a_wrong_amount(app, client, own_service):
    items = [WORKED_EXAMPLE["items"][0], {"code": "repaglinide", "amount": "1e30"}]
    response = client.post("/api/v1/settlement/estimate", json={**WORKED_EXAMPLE, "items": items})

    body = response.get_json()
    assert response.status_code == 400, body
    assert "金额填写有误" in body["message"] and "结算服务暂时连不上" not in body["message"]
