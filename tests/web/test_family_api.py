"""Family accounts through the API: invite, accept from the member's own identity, revoke; activity shown to the member."""
from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock, idnumber
from backend.models import AuditEntry

NEIGHBOUR_ID = "13100219600820004"


def _number(prefix17: str) -> str:
    return prefix17 + idnumber.check_digit(prefix17)


def test_the_worker_invites_the_neighbour_who_accepts_in_her_own_wechat(app, as_person, people, today):
    worker, neighbour = as_person("op-worker"), as_person("op-neighbour")
    made = worker.client.post("/api/v1/family/invitations", headers=worker.headers, json={
        "name": "赵敏", "id_number": _number(NEIGHBOUR_ID), "relation": "mother", "agent_relation": "son"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["link"]["state"] == "invited" and body["link"]["name"] == "赵*"
    assert NEIGHBOUR_ID not in made.get_data(as_text=True)
    assert body["accept_url"] == f"/m/family/accept?code={body['code']}"

    accepted = neighbour.client.post("/api/v1/family/invitations/accept", headers=neighbour.headers,
                                     json={"code": body["code"]})
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "consented"
    listed = worker.client.get("/api/v1/family", headers=worker.headers).get_json()
    assert [(m["name"], m["state"], m["person_key"]) for m in listed["members"]] == [
        ("赵*", "consented", f"member:{people.neighbour}")]


def test_a_bad_id_number_is_refused_in_chinese_then_english_without_a_500(app, as_person):
    worker = as_person("op-worker")
    refused = worker.client.post("/api/v1/family/invitations", headers=worker.headers, json={
        "name": "赵敏", "id_number": "131002196008200041", "relation": "mother", "agent_relation": "son"})
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "family_invalid_id_number"
    assert refused.get_json()["message"].startswith("身份证号") and refused.get_json()["message_en"]


def test_the_mother_revokes_and_the_son_sees_her_filings_no_more(app, as_person, people, today):
    son, retiree = as_person("op-son"), as_person("op-retiree")
    son.file("我妈退休后住在深圳，参保在沈阳", "下周一")
    assert len(son.filings().get_json()["filings"]) == 1
    link_id = retiree.client.get("/api/v1/family", headers=retiree.headers).get_json()["agents"][0]["id"]
    revoked = retiree.client.post(f"/api/v1/family/links/{link_id}/revoke", headers=retiree.headers)
    assert revoked.status_code == 200 and revoked.get_json()["state"] == "revoked"
    assert son.filings().get_json()["filings"] == []


def test_the_mother_reads_that_her_son_filed_for_her_and_when(app, as_person, people, today):
    son, retiree = as_person("op-son"), as_person("op-retiree")
    son.file("我妈退休后住在深圳，参保在沈阳", "下周一")
    activity = retiree.client.get("/api/v1/me/activity", headers=retiree.headers).get_json()["activity"]
    with app.app_context():
        at = db.session.scalar(select(AuditEntry.at).where(AuditEntry.action == "filing.submitted"))
    day = at.astimezone(clock.CHINA)
    assert activity[0]["actor"] == "relative"
    assert activity[0]["text"] == f"您的儿子 张* 于 {day.month}月{day.day}日 为您办理了备案"
    assert activity[0]["subject"].startswith("BA")


def test_my_profile_shows_masked_numbers_and_the_settings_change_the_text_size(app, as_person):
    retiree = as_person("op-retiree")
    me = retiree.client.get("/api/v1/me", headers=retiree.headers).get_json()
    assert me["id_number"] == idnumber.mask(_number("21010219580312002")) and me["id_number"].count("*") == 10
    assert me["phone"].count("*") == 4
    changed = retiree.client.patch("/api/v1/me/settings", headers=retiree.headers, json={"large_text": True})
    assert changed.get_json()["large_text"] is True
    reply = retiree.say("你好").get_json()
    assert reply["large_text"] is True


def test_a_relatives_api_view_of_her_filing_shows_in_her_activity(app, as_person, people, today):
    son = as_person("op-son")
    reference = son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")["filing"]["reference"]
    assert son.filing(reference).status_code == 200
    from sqlalchemy import select

    from backend.extensions import db
    from backend.models import AuditEntry

    with app.app_context():
        viewed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "filing.viewed")).all()
        assert [(v.actor_id, v.principal_person_id, v.channel) for v in viewed] == [
            (people.son, people.retiree, "miniprogram")]
