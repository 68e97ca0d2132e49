"""The assistant through the mini-program API, ending with real filings decided by the rules."""
from datetime import timedelta

from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditEntry, Filing, OutboxMessage


def test_a_posted_worker_files_for_himself_in_free_text_and_it_is_approved_at_once(app, as_person, today):
    worker = as_person("op-worker")
    answer = worker.conversation("公司派我去苏州工作一年，在那边看病怎么报销？", "12月1日")
    assert answer["state"] == "materials"
    answer = worker.conversation(1)  # the commitment letter: its full text, signed only by its own choice
    assert answer["state"] == "commitment" and "本人承诺" in answer["reply"] and "我已阅读并承诺" in answer["reply"]
    answer = worker.conversation(1, 1)  # 我已阅读并承诺, profile phone
    assert answer["state"] == "confirmed" and "常驻异地工作人员" in answer["reply"]
    answer = worker.conversation(1)
    filing = answer["filing"]
    assert filing["status"] == "approved" and filing["decision_mode"] == "auto"
    assert filing["reference"].startswith("BA20261122-")
    assert filing["treatment_area"] == {"code": "320500", "name": "苏州市"}
    assert filing["start_date"] == "2026-12-01" and filing["end_date"] is None
    assert filing["lock_until"] == "2027-05-22"
    # It starts on 12-01, not today: "approved, in effect from", never "in effect at once".
    assert "备案已通过" in answer["reply"] and "2026-12-01起生效" in answer["reply"] and answer["state"] == "submitted"
    assert "即时生效" not in answer["reply"]
    assert filing["contact_phone"].count("*") == 4


def test_every_automatic_decision_stores_its_reasons_and_is_made_within_a_second(app, as_person):
    # The real clock on purpose: a frozen one would make the timing trivially zero.
    worker = as_person("op-worker")
    worker.file("公司派我去苏州工作", "下个月1号")
    with app.app_context():
        filing = db.session.scalar(select(Filing))
        assert filing.decision_mode == "auto"
        assert timedelta(0) < filing.decided_at - filing.submitted_at < timedelta(seconds=1)
        codes = [c["code"] for c in filing.decision_checks]
        assert codes[:3] == ["insurance_status", "category_offered", "cross_province"]
        assert all(c["passed"] for c in filing.decision_checks)


def test_an_approved_filing_is_announced_in_the_outbox_and_audited_in_the_same_transaction(app, as_person, today):
    worker = as_person("op-worker")
    reference = worker.file("公司派我去苏州工作", "12月1日")["filing"]["reference"]
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert (message.topic, message.aggregate_id, message.sequence) == ("filing.registered", reference, 1)
        assert message.idempotency_key == f"{reference}:v1:filing.registered"
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_id == reference)) == "filing.submitted"


def test_documents_instead_of_a_commitment_letter_go_to_the_review_queue(app, as_person, today):
    worker = as_person("op-worker")
    answer = worker.file("公司派我去苏州工作", "12月1日", materials="documents")
    assert answer["filing"]["status"] == "pending_review"
    assert answer["filing"]["decided_at"] is None
    assert "审核" in answer["reply"]


def test_the_son_files_for_his_mother_and_she_sees_who_filed_it(app, as_person, people, today):
    son = as_person("op-son")
    answer = son.conversation("我妈退休后住在深圳，参保在沈阳")
    assert answer["state"] == "start_date"  # principal, category and both areas understood
    answer = son.file("下个月1号")
    filing = answer["filing"]
    assert filing["status"] == "approved" and filing["category"] == "retiree_resettled"
    assert filing["for_self"] is False
    mother = as_person("op-retiree").filings().get_json()["filings"]
    assert [(f["reference"], f["filed_by"], f["filed_by_name"]) for f in mother] == [
        (filing["reference"], "son", "张*")
    ]
    with app.app_context():
        row = db.session.scalar(select(Filing))
        assert (row.principal_person_id, row.actor_person_id) == (people.retiree, people.son)


def test_filing_again_for_the_same_city_shows_who_filed_the_existing_one_and_when(app, as_person, today):
    son = as_person("op-son")
    son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")
    answer = son.conversation("帮我妈办备案", "深圳")
    assert answer["state"] == "existing_action"
    assert "已有备案" in answer["reply"] and "2026-11-22" in answer["reply"]
    assert "不能变更" in answer["reply"]  # Shenyang's sample rules lock a new long-term filing


def test_an_overlapping_filing_submitted_through_the_api_change_is_refused_inside_the_lock(app, as_person, today):
    worker = as_person("op-worker")
    reference = worker.file("公司派我去苏州工作", "12月1日")["filing"]["reference"]
    response = worker.change(reference, treatment_area="440300")
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "change_lock" and "2027-05-22" in body["message"]


def test_a_temporary_filing_can_be_cancelled_at_once(app, as_person, today):
    worker = as_person("op-worker")
    answer = worker.file("下周去北京出差，顺便看病", "下周一")
    reference = answer["filing"]["reference"]
    assert answer["filing"]["category"] == "other_temporary" and answer["filing"]["end_date"]
    response = worker.cancel(reference, "行程取消")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    again = worker.cancel(reference)
    assert again.status_code == 409 and again.get_json()["error"] == "filing_not_active"


def test_a_long_term_filing_cannot_be_cancelled_inside_the_lock_period(app, as_person, today):
    worker = as_person("op-worker")
    reference = worker.file("公司派我去苏州工作", "12月1日")["filing"]["reference"]
    response = worker.cancel(reference)
    assert response.status_code == 409 and response.get_json()["params"]["lock_until"] == "2027-05-22"


def test_the_neighbour_cannot_see_or_cancel_the_retirees_filing(app, as_person, today):
    reference = as_person("op-son").file("我妈退休后住在深圳，参保在沈阳", "下个月1号")["filing"]["reference"]
    neighbour = as_person("op-neighbour")
    assert neighbour.filing(reference).status_code == 404
    assert neighbour.cancel(reference).status_code == 404
    assert neighbour.filings().get_json()["filings"] == []
    revoked = as_person("op-revoked")
    assert revoked.filing(reference).status_code == 404


def test_a_revoked_agent_is_not_offered_the_member_and_cannot_file_for_her(app, as_person, today):
    revoked = as_person("op-revoked")
    answer = revoked.conversation("帮我妈办备案，她退休了住在深圳")
    assert answer["state"] == "principal"
    assert "还没有授权" in answer["reply"]
    assert [c["value"] for c in answer["choices"]] == ["self", "stop"]


def test_a_repeated_message_id_is_applied_once_and_answered_the_same(app, as_person, today):
    worker = as_person("op-worker")
    first = worker.say("公司派我去苏州工作", message_id="m-1").get_json()
    again = worker.say("公司派我去苏州工作", message_id="m-1").get_json()
    assert again["repeated"] is True and again["reply"] == first["reply"] and again["version"] == first["version"]
    assert worker.say("12月1日", message_id="m-2").get_json()["state"] == "materials"


def test_a_stale_version_is_refused_with_the_current_step(app, as_person, today):
    worker = as_person("op-worker")
    first = worker.say("公司派我去苏州工作").get_json()
    worker.say("12月1日")
    response = worker.say("12月2日", version=first["version"])
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "stale_turn" and body["turn"]["state"] == "materials"
    assert "处理过" in body["message"]


def test_an_unbound_wechat_user_binds_in_the_chat_and_goes_on_without_the_id_number_ever_shown_or_stored(
        app, client, people, today):
    import json

    from backend.auth import ensure_identity, issue_token
    from backend.lib import idnumber
    from backend.models import Person, WeChatIdentity
    from backend.models.dialogs import DialogMessageKey, DialogSession
    from tests.support.personas import ApiActions

    with app.app_context():
        token = issue_token(ensure_identity("op-stranger"))
        db.session.commit()
    stranger = ApiActions(client, token)
    id_number = "21010219620101002" + idnumber.check_digit("21010219620101002")
    said = [("我想办异地就医备案", "bind", "name"), ("李梅", "bind", "insured_area"), ("沈阳", "bind", "id_number"),
            (id_number, None, "idle")]
    bodies = []
    for n, (text, flow, state) in enumerate(said):
        response = stranger.say(text, message_id=f"bind-{n}")
        assert response.status_code == 200
        answer = response.get_json()
        bodies.append(response.get_data(as_text=True))
        assert (answer["flow"], answer["state"]) == (flow, state), answer["reply"]
    assert "绑定成功" in answer["reply"] and "李*" in answer["reply"]
    answer = stranger.choose(1).get_json()  # 接着办: the filing asked for before binding goes on
    bodies.append(json.dumps(answer, ensure_ascii=False))
    assert answer["flow"] == "filing" and "要去哪个城市看病" in answer["reply"]
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.name == "李梅"))
        assert person.insured_area_code == "210100"
        assert db.session.scalar(select(WeChatIdentity.person_id).where(WeChatIdentity.openid == "op-stranger")) == person.id
        stored = [json.dumps([s.slots, s.engine_data, s.last_reply], ensure_ascii=False, default=str)
                  for s in db.session.scalars(select(DialogSession))]
        stored += [json.dumps(k.reply, ensure_ascii=False) for k in db.session.scalars(select(DialogMessageKey))]
    assert len(stored) > 4  # the sessions and every message_id's reply were looked at
    for text in bodies + stored:
        assert id_number not in text and id_number[:17] not in text


def test_bad_requests_answer_400_in_chinese_naming_the_field(app, as_person):
    worker = as_person("op-worker")
    both = worker.client.post("/api/v1/dialog/messages", json={"text": "x", "choice": 1}, headers=worker.headers)
    assert both.status_code == 400 and both.get_json()["error"] == "invalid_input"
    long = worker.say("深" * 2001)
    assert long.status_code == 400 and "text" in long.get_json()["message"]
    not_json = worker.client.post("/api/v1/dialog/messages", data="{oops", headers={
        **worker.headers, "Content-Type": "application/json"})
    assert not_json.status_code == 400


def test_it_answers_401_without_or_with_a_forged_token(client):
    missing = client.post("/api/v1/dialog/messages", json={"text": "你好"})
    assert missing.status_code == 401 and missing.get_json()["message"] == "请先登录。"
    forged = client.post("/api/v1/dialog/messages", json={"text": "你好"}, headers={"Authorization": "Bearer abc.def"})
    assert forged.status_code == 401 and forged.get_json()["error"] == "invalid_token"


def test_an_expired_token_answers_401_token_expired(app, client, people):
    from tests.support.personas import token_for

    with app.app_context():
        token = token_for("op-worker")
    app.config["SESSION_TOKEN_SECONDS"] = -1
    response = client.get("/api/v1/filings", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.get_json()["error"] == "token_expired"


def test_the_conversation_resumes_on_another_channel_and_after_a_restart(app, as_person, database_url, today):
    from backend import create_app
    from backend.models import WeChatIdentity
    from backend.services.dialog.dialog_turns import handle_turn

    as_person("op-worker").conversation("公司派我去苏州工作", "12月1日")
    restarted = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with restarted.app_context():
        identity = db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.openid == "op-worker"))
        result = handle_turn(identity, {"text": "1"}, channel="terminal")
        assert result.state == "commitment"
        db.engine.dispose()


def test_the_openapi_document_describes_the_dialog_and_filing_operations(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "/api/v1/dialog/messages" in paths and "post" in paths["/api/v1/dialog/messages"]
    for path in ("/api/v1/filings", "/api/v1/filings/{reference}", "/api/v1/filings/{reference}/cancel",
                 "/api/v1/filings/{reference}/change"):
        assert path in paths
    assert any("Bearer" in str(s) or "bearer" in str(s) for s in spec["components"]["securitySchemes"].values())


def test_changing_a_temporary_filing_replaces_it_and_announces_both(app, as_person, today):
    worker = as_person("op-worker")
    reference = worker.file("下周去北京出差，顺便看病", "下周一")["filing"]["reference"]
    response = worker.change(reference, start_date="2026-12-07")
    assert response.status_code == 200, response.get_json()
    new = response.get_json()
    assert new["status"] == "approved" and new["start_date"] == "2026-12-07" and new["reference"] != reference
    assert worker.filing(reference).get_json()["status"] == "superseded"
    with app.app_context():
        topics = [m.topic for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        assert topics == ["filing.registered", "filing.superseded", "filing.registered"]


def test_changing_to_an_unknown_area_answers_404_and_keeps_the_filing(app, as_person, today):
    worker = as_person("op-worker")
    reference = worker.file("下周去北京出差，顺便看病", "下周一")["filing"]["reference"]
    response = worker.change(reference, treatment_area="999999")
    assert response.status_code == 404 and response.get_json()["error"] == "unknown_area"
    assert worker.filing(reference).get_json()["status"] == "approved"
