"""Mini-program sign-in through the fake WeChat server: code2session, binding, phone number, limits."""
from sqlalchemy import select, text

from backend.extensions import db
from backend.models import AuditEntry, Person, WeChatIdentity
from tests.support.fake_wechat import fake_wechat, wechat  # noqa: F401

WORKER = ("李强", "340102199001150033", "340100")
NEW_PERSON = ("陈芳", "110101199003070038", "110000")


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_wx_login_answers_a_working_token_and_never_the_session_key(app, wechat):
    response = wechat.login("ok:mp-newcomer")
    body = response.get_json()
    assert response.status_code == 200 and body["bound"] is False and body["person"] is None
    assert "session_key" not in response.get_data(as_text=True) and "sk-" not in response.get_data(as_text=True)
    me = wechat.client.get("/api/v1/filings", headers=_auth(body["token"]))
    assert me.status_code == 403 and me.get_json()["error"] == "identity_required"
    calls = wechat.fake.received()
    # code2session takes no access token: wechatpy's own code_to_session would fetch one first.
    assert [c["path"] for c in calls] == ["/sns/jscode2session"] and "access_token" not in calls[0]["query"]
    assert wechat.fake.legacy_token_calls() == 0


def test_an_invalid_or_reused_code_answers_400_in_chinese(wechat):
    bad = wechat.login("forged-code")
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_login_code"
    assert "重新打开小程序" in bad.get_json()["message"]
    assert wechat.login("ok:mp-once").status_code == 200
    assert wechat.login("ok:mp-once").status_code == 400  # WeChat codes work once


def test_wechat_server_errors_answer_503_and_nothing_is_stored(app, wechat):
    wechat.fake.fail("/sns/jscode2session", status=502)
    response = wechat.login("ok:mp-unlucky")
    assert response.status_code == 503 and response.get_json()["error"] == "wechat_unavailable"
    with app.app_context():
        assert db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.openid == "mp-unlucky")) is None


def test_binding_with_name_id_number_and_area_links_the_existing_insured_person(app, wechat, people):
    token = wechat.login("ok:mp-worker").get_json()["token"]
    response = wechat.bind(token, *WORKER)
    body = response.get_json()
    assert response.status_code == 200 and body["person"]["name"] == "李*"
    assert body["person"]["id_number"] != WORKER[1] and "*" in body["person"]["id_number"]
    assert WORKER[1] not in response.get_data(as_text=True)
    again = wechat.login("ok:mp-worker#2")
    assert again.get_json()["bound"] is True
    with app.app_context():
        identity = db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.openid == "mp-worker"))
        assert identity.person_id == people.worker


def test_a_new_person_is_created_with_the_id_number_encrypted_at_rest(app, wechat):
    token = wechat.login("ok:mp-chen").get_json()["token"]
    assert wechat.bind(token, *NEW_PERSON).status_code == 200
    with app.app_context():
        stored = db.session.execute(text("SELECT id_number_encrypted, id_number_masked FROM persons")).one()
        assert NEW_PERSON[1] not in stored[0] and NEW_PERSON[1] not in stored[1]
        person = db.session.scalar(select(Person))
        assert person.id_number_encrypted == NEW_PERSON[1] and person.insured_area_code == "110000"
        detail = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "wechat.bound"))
        assert NEW_PERSON[1] not in str(detail)


def test_an_id_number_with_a_wrong_checksum_is_refused(wechat):
    token = wechat.login("ok:mp-typo").get_json()["token"]
    response = wechat.bind(token, "陈芳", "110101199003070035", "110000")
    assert response.status_code == 400 and response.get_json()["params"]["reason"] == "id_number_checksum"
    assert "身份证号" in response.get_json()["message"]


def test_a_mismatching_name_is_refused_without_saying_which_field(app, wechat, people):
    token = wechat.login("ok:mp-impostor").get_json()["token"]
    response = wechat.bind(token, "李四", WORKER[1], WORKER[2])
    assert response.status_code == 400 and response.get_json()["error"] == "binding_mismatch"
    other_area = wechat.bind(token, WORKER[0], WORKER[1], "110000")
    assert other_area.get_json()["message"] == response.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "wechat.bind_refused"))


def test_a_person_bound_to_another_wechat_account_is_refused(wechat, people):
    first = wechat.login("ok:mp-worker").get_json()["token"]
    assert wechat.bind(first, *WORKER).status_code == 200
    second = wechat.login("ok:mp-someone-else").get_json()["token"]
    response = wechat.bind(second, *WORKER)
    assert response.status_code == 409 and response.get_json()["error"] == "already_bound"


def test_binding_attempts_are_rate_limited_per_account(app, wechat):
    app.config["WECHAT_BIND_RATE_LIMIT"] = "2/hour"
    token = wechat.login("ok:mp-guesser").get_json()["token"]
    statuses = [wechat.bind(token, "陈芳", f"11010119900307{n:03d}5", "110000").status_code for n in range(3)]
    assert statuses[:2] == [400, 400] and statuses[2] == 429


def test_wx_login_is_rate_limited_per_address(app, wechat):
    app.config["WECHAT_LOGIN_RATE_LIMIT"] = "2/minute"
    statuses = [wechat.login(f"ok:mp-flood-{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert "太频繁" in wechat.login("ok:mp-flood-9").get_json()["message"]


def test_the_phone_number_comes_from_wechat_and_is_stored_encrypted_and_masked(app, wechat, people):
    token = wechat.login("ok:mp-worker").get_json()["token"]
    wechat.bind(token, *WORKER)
    response = wechat.client.post("/api/v1/auth/phone", json={"code": "phone:13800138000"}, headers=_auth(token))
    assert response.status_code == 200 and response.get_json()["phone"].count("*") == 4
    with app.app_context():
        assert db.session.get(Person, people.worker).phone_encrypted == "13800138000"
        raw = db.session.execute(text("SELECT phone_encrypted FROM persons WHERE id = :i"), {"i": people.worker})
        assert "13800138000" not in raw.scalar()
    calls = wechat.fake.received()
    assert [c["path"] for c in calls][-2:] == ["/cgi-bin/stable_token", "/wxa/business/getuserphonenumber"]


def test_an_expired_access_token_is_refreshed_once_and_the_call_retried(app, wechat, people):
    token = wechat.login("ok:mp-worker").get_json()["token"]
    wechat.bind(token, *WORKER)
    wechat.client.post("/api/v1/auth/phone", json={"code": "phone:13800138000"}, headers=_auth(token))
    wechat.fake.expire_tokens()
    response = wechat.client.post("/api/v1/auth/phone", json={"code": "phone:13900139000"}, headers=_auth(token))
    assert response.status_code == 200
    paths = [c["path"] for c in wechat.fake.received()]
    assert paths.count("/cgi-bin/stable_token") == 2 and paths.count("/wxa/business/getuserphonenumber") == 3


def test_an_invalid_phone_code_answers_400_and_an_unbound_account_403(wechat, people):
    unbound = wechat.login("ok:mp-unbound").get_json()["token"]
    response = wechat.client.post("/api/v1/auth/phone", json={"code": "phone:138"}, headers=_auth(unbound))
    assert response.status_code == 403
    token = wechat.login("ok:mp-worker").get_json()["token"]
    wechat.bind(token, *WORKER)
    bad = wechat.client.post("/api/v1/auth/phone", json={"code": "nope"}, headers=_auth(token))
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_phone_code"


def test_the_dev_token_command_is_refused_outside_development_and_testing(app, runner):
    assert runner.invoke(args=["dev-token", "op-dev"]).exit_code == 0
    app.config["APP_ENV"] = "production"
    refused = runner.invoke(args=["dev-token", "op-dev"])
    assert refused.exit_code != 0 and "disabled" in refused.output
