"""Will the window settle directly? The readiness check through the API and the conversation."""
from datetime import date

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import AuditEntry, OutboxMessage, Person, SettlementFiling
from backend.services.data import reference_data
from backend.worker import dispatch as delivery
from backend.worker import wechat_notifications

INPATIENT_ONLY = "SH4403000006"  # 深圳市福田区人民医院: inpatient only (sample data)
PKU_SHENZHEN = "SH4403000002"    # 北京大学深圳医院
PUMCH = "SH1100000001"           # 北京协和医院
SHENZHEN_PEOPLES = "SH4403000003"  # 深圳市人民医院


@pytest.fixture()
def handed_off(app, as_person, people, today):
    """The son files for his mother in Shenzhen (from 2026-12-01) and the hand-off is delivered."""
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
    son = as_person("op-son")
    body = son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")
    assert body["filing"]["status"] == "approved"
    with app.app_context():
        delivery.deliver_pending()
    return son


def ask(actor, people, **body):
    payload = {"principal": f"member:{people.retiree}", "service": "inpatient", "date": "2026-12-10", **body}
    return actor.client.post("/api/v1/settlement/readiness", json=payload, headers=actor.headers)


def reasons(response):
    data = response.get_json()
    assert response.status_code == 200, data
    return [r["code"] for r in data["reasons"]]


def test_an_inpatient_stay_at_a_networked_hospital_in_the_filed_city_will_settle(handed_off, people):
    response = ask(handed_off, people, institution=PKU_SHENZHEN)
    data = response.get_json()
    assert data["ready"] is True and data["reasons"] == [] and data["filing_reference"]


def test_an_outpatient_visit_at_an_inpatient_only_hospital_says_why_and_what_to_do(handed_off, people):
    data = ask(handed_off, people, institution=INPATIENT_ONLY, service="outpatient").get_json()
    assert [r["code"] for r in data["reasons"]] == ["networked_for_service"]
    assert "没有开通普通门诊" in data["reasons"][0]["reason"] and "换一家" in data["reasons"][0]["action"]


def test_another_city_than_the_filed_one_is_named(handed_off, people):
    data = ask(handed_off, people, institution=PUMCH).get_json()
    assert [r["code"] for r in data["reasons"]] == ["filed_area"]
    assert "深圳市" in data["reasons"][0]["reason"] and "北京市" in data["reasons"][0]["reason"]


def test_a_visit_before_the_filing_starts_is_not_covered(handed_off, people):
    assert reasons(ask(handed_off, people, institution=PKU_SHENZHEN, date="2026-11-25")) == ["filing_in_force"]


def test_a_filing_the_settlement_service_has_not_received_yet_counts_as_not_filed(app, as_person, people, today):
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
    son = as_person("op-son")
    son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")
    assert reasons(ask(son, people, institution=PKU_SHENZHEN)) == ["filed"]


def choose_named(person, body: dict, name: str):
    """Answer the institution step by picking the choice whose label names the institution."""
    assert body["state"] == "institution", body
    return person.choose(next(c["number"] for c in body["choices"] if name in c["label"]))


def file_where_hospitals_are_chosen(app, as_person):
    """Shenyang keeps the older "choose your hospitals" rule; the son files for his mother in Shenzhen."""
    from tests.support.personas import load_policies

    with app.app_context():
        load_policies("210100", max_institutions=2)
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
    son = as_person("op-son")
    reference = son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")["filing"]["reference"]
    with app.app_context():
        delivery.deliver_pending()
    return son, reference


def choose(app, son, reference, *codes):
    chosen = son.client.put(f"/api/v1/filings/{reference}/institutions", json={"codes": list(codes)},
                            headers=son.headers)
    assert chosen.status_code == 200, chosen.get_json()
    with app.app_context():
        delivery.deliver_pending()  # the choice reaches the settlement service as the filing's next version


def test_where_the_insured_area_requires_a_choice_the_window_settles_only_at_the_chosen_hospital(
        app, as_person, people, today):
    son, reference = file_where_hospitals_are_chosen(app, as_person)
    assert reasons(ask(son, people, institution=PKU_SHENZHEN)) == ["chosen_institution"]  # none chosen yet
    choose(app, son, reference, PKU_SHENZHEN)
    with app.app_context():
        assert db.session.get(SettlementFiling, reference).chosen_institutions == [PKU_SHENZHEN]
        # The mother hears of each version once: the filing in effect, then the change in effect.
        told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "notification.handoff_delivered")
                                  .order_by(OutboxMessage.id)).all()
        assert [m.payload["params"]["version"] for m in told] == [1, 2]
        texts = [wechat_notifications.notification_text("handoff_delivered", m.payload["params"]) for m in told]
        assert "变更" not in texts[0] and "新选的医院" in texts[1]
    assert reasons(ask(son, people, institution=PKU_SHENZHEN)) == []
    assert reasons(ask(son, people, institution=SHENZHEN_PEOPLES)) == ["chosen_institution"]


def test_the_conversation_says_no_at_a_hospital_she_did_not_choose_and_names_the_one_she_did(
        app, as_person, people, today):
    son, reference = file_where_hospitals_are_chosen(app, as_person)
    choose(app, son, reference, PKU_SHENZHEN)
    mother = as_person("op-retiree")
    with clock.frozen(date(2026, 12, 10)):  # a day inside her filing
        response = choose_named(mother, mother.conversation("住院能直接结算吗"), "深圳市人民医院")
    reply = response.get_json()["reply"]
    assert response.status_code == 200, reply
    assert "在深圳市人民医院住院现在还不能直接结算" in reply and "不在您选定的医院里" in reply
    assert "可以换这几家：\n· 北京大学深圳医院" in reply
    assert "医保约付" not in reply  # she asked only whether it settles, not how much


def test_the_conversation_suggests_no_other_hospital_when_another_one_would_not_help(
        app, handed_off, as_person, people):
    with app.app_context():
        db.session.get(Person, people.retiree).contribution_status = "interrupted"
        db.session.commit()
    mother = as_person("op-retiree")
    with clock.frozen(date(2026, 12, 10)):
        reply = choose_named(mother, mother.conversation("住院能直接结算吗"), "北京大学深圳医院").get_json()["reply"]
    assert "还不能直接结算" in reply and "断缴" in reply and "可以换这几家" not in reply


def test_abnormal_insurance_and_a_missing_qualification_are_both_listed(app, handed_off, people):
    with app.app_context():
        db.session.get(Person, people.retiree).contribution_status = "interrupted"
        db.session.commit()
    data = ask(handed_off, people, institution=PKU_SHENZHEN, service="chronic", disease="diabetes").get_json()
    codes = [r["code"] for r in data["reasons"]]
    assert "insurance_normal" in codes and "qualification" in codes
    assert any("断缴" in r["reason"] for r in data["reasons"])


def test_a_maintenance_window_on_the_visit_day_is_predicted(app, handed_off, people):
    app.config["SETTLEMENT_MAINTENANCE"] = "2026-12-10T00:00/2026-12-10T06:00"
    data = ask(handed_off, people, institution=PKU_SHENZHEN).get_json()
    assert [r["code"] for r in data["reasons"]] == ["platform_available"]
    assert "12月10日 00:00" in data["reasons"][0]["reason"]


def test_a_lived_in_city_filed_as_temporary_is_the_wrong_category(app, as_person, people, today):
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
    retiree = as_person("op-retiree")
    retiree.file("我去深圳探亲，想在那边看病", "下个月1号")
    with app.app_context():
        delivery.deliver_pending()
    response = retiree.client.post("/api/v1/settlement/readiness", headers=retiree.headers, json={
        "institution": PKU_SHENZHEN, "service": "inpatient", "date": "2026-12-10", "living_there": True})
    assert "category_fits_stay" in reasons(response)


def test_the_check_for_a_member_is_audited_for_her_and_refused_to_the_neighbour(app, handed_off, as_person, people):
    ask(handed_off, people, institution=PKU_SHENZHEN)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "settlement.readiness_checked"))
        assert entry.principal_person_id == people.retiree and entry.actor_id == people.son
    assert ask(as_person("op-neighbour"), people, institution=PKU_SHENZHEN).status_code == 403
    assert ask(as_person("op-revoked"), people, institution=PKU_SHENZHEN).status_code == 403


def test_an_unreachable_settlement_service_answers_503_in_plain_words(app, handed_off, people):
    app.config.update(SETTLEMENT_URL="http://127.0.0.1:9", SETTLEMENT_TIMEOUT=1)
    response = ask(handed_off, people, institution=PKU_SHENZHEN)
    assert response.status_code == 503
    assert response.get_json()["message"].startswith("结算服务暂时连不上")


def test_the_conversation_answers_will_it_settle_and_roughly_how_much(app, handed_off, as_person, people):
    from backend.cli.settlement_commands import SAMPLE_CATALOGUE_YAML
    from backend.settlement import service

    with app.app_context():
        service.import_catalogue(SAMPLE_CATALOGUE_YAML)
    mother = as_person("op-retiree")
    with clock.frozen(date(2026, 12, 10)):  # a day inside her filing
        response = choose_named(mother, mother.conversation("住院大概花2万，能报多少"), "北京大学深圳医院")
    body = response.get_json()
    assert response.status_code == 200, body
    assert "能。在北京大学深圳医院住院可以直接结算" in body["reply"]
    assert "医保约付" in body["reply"] and "仅供参考" in body["reply"]


def test_buying_medicine_at_a_networked_pharmacy_settles(app, handed_off, as_person, people):
    mother = as_person("op-retiree")
    with clock.frozen(date(2026, 12, 10)):
        body = mother.conversation("买药能直接结算吗")
        assert body["state"] == "institution", body
        reply = mother.choose(body["choices"][0]["number"]).get_json()["reply"]
    assert reply.startswith("能。"), reply
