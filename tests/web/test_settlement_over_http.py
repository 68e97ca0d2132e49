"""The assistant with SETTLEMENT_URL set: the settlement service in its own app and its own database,
set up by the recipe in docs/settlement.md and reached over loopback HTTP through the HTTP client."""
import shlex

import pytest
from sqlalchemy import func, select

from backend.config import PROJECT_ROOT
from backend.extensions import db
from backend.models import CatalogueItem, SettlementEstimate, SettlementFiling
from backend.worker import dispatch as delivery
from backend import create_settlement_app
from tests.support.processes import SETTLEMENT_APP
from tests.support.server import serving

LANGFANG, BEIJING = "131000", "110000"
WORKED_EXAMPLE = {  # DOMAIN.md 4.2: 64.29 -> fund 48.89, person 15.40
    "insured_area": LANGFANG, "treatment_area": BEIJING, "scheme": "employee", "person_status": "retired",
    "category": "retiree_resettled", "visit_type": "chronic", "institution_level": "3A",
    "items": [{"code": "acarbose", "name": "阿卡波糖片", "amount": "32.52"},
              {"code": "repaglinide", "name": "瑞格列奈片", "amount": "31.77"}],
}
INPATIENT_ONLY = "SH4403000006"  # 深圳市福田区人民医院: inpatient only (sample data)
PKU_SHENZHEN = "SH4403000002"    # 北京大学深圳医院


def documented_recipe() -> list[list[str]]:
    """Return the flask commands docs/settlement.md gives for the service on its own database."""
    prefix = f'.venv/bin/flask --app "{SETTLEMENT_APP}" '
    lines = (PROJECT_ROOT / "docs" / "settlement.md").read_text(encoding="utf-8").splitlines()
    return [shlex.split(line[len(prefix):]) for line in lines if line.startswith(prefix)]


@pytest.fixture(scope="module")
def service_app(tmp_path_factory):
    """The settlement service's own app and SQLite database, set up once by following docs/settlement.md."""
    settlement = create_settlement_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('settlement') / 'settlement.db'}",
        "TESTING": True})
    recipe = documented_recipe()
    assert [c[0] for c in recipe] == ["upgrade", "load-reference", "import-policies", "import-institutions",
                                      "import-catalogue"]
    runner = settlement.test_cli_runner()
    for command in recipe:
        # The recipe's file paths are relative to the project.
        command = [str(PROJECT_ROOT / a) if a.startswith("backend/") else a for a in command]
        result = runner.invoke(args=command)
        assert result.exit_code == 0, (command, result.output)
    yield settlement
    with settlement.app_context():
        db.engine.dispose()


@pytest.fixture()
def own_service(app, service_app):
    """Serve the settlement service on loopback and point the assistant's SETTLEMENT_URL at it."""
    with serving(service_app) as url:
        app.config["SETTLEMENT_URL"] = url
        app.extensions.pop("settlement_client", None)
        yield service_app
    app.config["SETTLEMENT_URL"] = ""
    with service_app.app_context():
        # The two backends' runs make the same references: each test starts with no hand-offs.
        for table in ("settlement_registrations", "settlement_filings", "settlement_estimates"):
            db.session.execute(db.metadata.tables[table].delete())
        db.session.commit()


def test_the_worked_example_and_a_malformed_amount_go_through_the_http_client(app, client, own_service):
    response = client.post("/api/v1/settlement/estimate", json=WORKED_EXAMPLE)
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["total"], body["fund_pays"], body["person_pays"]) == ("64.29", "48.89", "15.40")
    # Langfang's policy and repaglinide's 10% first self-pay come from the service's database:
    # the assistant's has no catalogue, and the estimate is recorded over there.
    assert body["policy_source"] == "area_policy" and body["lines"][1]["first_self_pay"] == "3.18"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CatalogueItem)) == 0
    with own_service.app_context():
        assert str(db.session.get(SettlementEstimate, body["estimate_id"]).fund_pays) == "48.89"
    items = [WORKED_EXAMPLE["items"][0], {"code": "repaglinide", "amount": "31.7.7"}]
    refused = client.post("/api/v1/settlement/estimate", json={**WORKED_EXAMPLE, "items": items})
    data = refused.get_json()
    assert refused.status_code == 400, data
    assert data["error"] == "invalid_amount" and data["params"]["field"] == "items[1].amount"
    assert "items[1].amount" in data["message"]


def ask(actor, people, **body):
    payload = {"principal": f"member:{people.retiree}", "service": "inpatient", "date": "2026-12-10", **body}
    return actor.client.post("/api/v1/settlement/readiness", json=payload, headers=actor.headers)


def test_readiness_reads_the_filing_handed_off_into_the_services_own_database(
        app, own_service, as_person, people, today):
    son = as_person("op-son")
    reference = son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")["filing"]["reference"]
    with app.app_context():
        assert delivery.deliver_pending() >= 1  # the hand-off, over HTTP
    with own_service.app_context():
        assert db.session.get(SettlementFiling, reference).status == "registered"
    ready = ask(son, people, institution=PKU_SHENZHEN)
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["ready"] is True and ready.get_json()["filing_reference"] == reference
    not_ready = ask(son, people, institution=INPATIENT_ONLY, service="outpatient").get_json()
    assert [r["code"] for r in not_ready["reasons"]] == ["networked_for_service"]
    assert "深圳市福田区人民医院没有开通普通门诊" in not_ready["reasons"][0]["reason"]
    # The service's 404 comes back through the client as the same refusal, not a 500 or a 503.
    unknown = ask(son, people, institution="SH0000000000")
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "institution_not_found"


def test_a_request_the_service_itself_refuses_comes_back_naming_the_fields_in_plain_words(app, own_service):
    from backend.adapters.settlement import SettlementRejected, client
    from backend.errors import error_body

    with app.test_request_context():
        with pytest.raises(SettlementRejected) as refused:
            client().readiness({"person_id_hash": "h", "institution": PKU_SHENZHEN, "service": "dental",
                                "date": "2026-12-10"})
        body = error_body(refused.value.code, **refused.value.params)
    assert refused.value.code == "invalid_input" and refused.value.status == 400
    assert refused.value.params["field"] == "service"
    assert body["message"] == "请求内容有误：service" and body["message_en"] == "The request is not valid: service"
