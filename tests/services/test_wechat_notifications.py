"""Notifications by WeChat from the worker: subscribe messages, customer-service messages, their limits."""
import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditEntry, OutboxMessage, WeChatSubscription
from backend.services.filing import notifications
from backend.worker import dispatch as delivery
from backend.worker import wechat_notifications
from backend.worker.errors import DeliveryFailed, RetryLater
from backend.services.console.review_reasons import SHORT, sentence
from tests.support.fake_wechat import TEMPLATES, fake_wechat, wechat  # noqa: F401

WORKER = ("李强", "340102199001150033", "340100")
SUBSCRIBE = "/cgi-bin/message/subscribe/send"
CUSTOM = "/cgi-bin/message/custom/send"


def _notify(app, person_id: int, kind="filing_decided", key="BA1:decided", **params) -> int:
    with app.app_context():
        message = notifications.notify(person_id, kind, {"reference": "BA20261122-0001", "status": "approved",
                                                         **params}, key=key)
        db.session.commit()
        return message.id


def _handle(app, message_id: int) -> None:
    """Call the notification handler as the worker does, committing what it changed."""
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        delivery.handler_for(message.topic)(message)
        db.session.commit()


def _status(app, message_id: int) -> str:
    with app.app_context():
        return db.session.get(OutboxMessage, message_id).status


def _subscriber(wechat):
    """The worker signs in to the mini-program, binds, and accepts the filing-decision subscription."""
    token = wechat.login("ok:mp-worker:union-worker").get_json()["token"]
    assert wechat.bind(token, *WORKER).status_code == 200
    response = wechat.client.post("/api/v1/auth/subscriptions", headers={"Authorization": f"Bearer {token}"},
                                  json={"results": {TEMPLATES["filing_decided"]: "accept", "TPL-OTHER": "accept",
                                                    TEMPLATES["handoff_failed"]: "reject"}})
    assert response.get_json() == {"subscriptions": {"filing_decided": 1}}
    return token


def _follower(wechat):
    user, _token = wechat.follow_bound("oa-worker", "union-worker", "ok:mp-worker:union-worker", *WORKER)
    return user


def test_a_decided_filing_goes_out_as_the_subscribe_message_the_person_accepted(app, wechat, people):
    _subscriber(wechat)
    message_id = _notify(app, people.worker)
    assert wechat.deliver() == 1 and _status(app, message_id) == "delivered"
    sent = wechat.fake.received(SUBSCRIBE)
    assert [(s["body"]["touser"], s["body"]["template_id"]) for s in sent] == [("mp-worker", "TPL-DECIDED")]
    assert sent[0]["body"]["data"]["phrase2"]["value"] == "已通过"
    assert sent[0]["body"]["data"]["character_string1"]["value"] == "BA20261122-0001"
    with app.app_context():
        assert db.session.scalar(select(WeChatSubscription.remaining)) == 0  # one consent, one message
    _notify(app, people.worker, key="BA1:again")
    wechat.deliver()
    assert len(wechat.fake.received(SUBSCRIBE)) == 1 and wechat.fake.received(CUSTOM) == []


def test_without_a_subscription_a_recent_follower_gets_a_customer_service_message(app, wechat, people):
    user = _follower(wechat)
    user.say("你好")
    _notify(app, people.worker, kind="handoff_delivered", key="BA1:handoff")
    wechat.deliver()
    sent = wechat.fake.received(CUSTOM)
    assert [s["body"]["touser"] for s in sent] == ["oa-worker"]
    assert "直接结算" in sent[0]["body"]["text"]["content"] and "BA20261122-0001" in sent[0]["body"]["text"]["content"]


def test_a_later_version_reaching_settlement_is_told_as_a_change_in_effect(app, wechat, people):
    # Choosing other hospitals on an approved filing hands off version 2: the person hears that
    # the change is in effect, not the first "you can now settle directly" a second time.
    user = _follower(wechat)
    user.say("你好")
    _notify(app, people.worker, kind="handoff_delivered", key="BA1:v1:delivered", version=1)
    _notify(app, people.worker, kind="handoff_delivered", key="BA1:v2:delivered", version=2)
    wechat.deliver()
    first, second = [s["body"]["text"]["content"] for s in wechat.fake.received(CUSTOM)]
    assert "已经同步到结算系统" in first and "变更" not in first
    assert "变更" in second and "新选的医院" in second and "BA20261122-0001" in second
    with app.app_context():
        data = wechat_notifications._subscribe_data("handoff_delivered", {"reference": "BA20261122-0001", "version": 2})
    assert data["thing3"]["value"] == "备案变更已同步到结算系统" and len(data["thing3"]["value"]) <= 20


def test_with_no_subscription_and_no_recent_message_nothing_is_sent_and_the_reason_is_audited(app, wechat, people):
    message_id = _notify(app, people.worker)
    wechat.deliver()
    assert _status(app, message_id) == "delivered"
    assert wechat.fake.received(CUSTOM) == [] and wechat.fake.received(SUBSCRIBE) == []
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notification.not_sent"))
        assert entry.principal_person_id == people.worker and "48 h" in entry.detail["reason"]


def test_wechat_answering_45015_outside_the_window_means_nothing_to_send(app, wechat, people):
    _follower(wechat).say("你好")
    wechat.fake.fail(CUSTOM, errcode=45015)
    message_id = _notify(app, people.worker)
    wechat.deliver()
    assert _status(app, message_id) == "delivered"
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "notification.not_sent"))


def test_a_server_error_asks_the_worker_to_retry_later(app, wechat, people):
    _follower(wechat).say("你好")
    wechat.fake.fail(CUSTOM, status=503, times=2)
    message_id = _notify(app, people.worker)
    with pytest.raises(RetryLater):
        _handle(app, message_id)
    wechat.deliver()
    assert _status(app, message_id) == "pending"
    with app.app_context():
        assert "HTTP 503" in db.session.get(OutboxMessage, message_id).last_error


def test_an_expired_token_is_refreshed_once_and_the_message_still_goes_out(app, wechat, people):
    _follower(wechat).say("你好")
    wechat.fake.fail(CUSTOM, errcode=42001)
    message_id = _notify(app, people.worker)
    wechat.deliver()
    assert _status(app, message_id) == "delivered"
    paths = [c["path"] for c in wechat.fake.received()]
    assert paths.count(CUSTOM) == 2 and paths.count("/cgi-bin/stable_token") == 2


def test_an_unexpected_refusal_is_a_permanent_failure(app, wechat, people):
    _subscriber(wechat)
    wechat.fake.fail(SUBSCRIBE, errcode=40037)  # invalid template id: a configuration error
    message_id = _notify(app, people.worker)
    with pytest.raises(DeliveryFailed):
        _handle(app, message_id)


def test_customer_service_messages_stop_at_five_per_window(app, wechat, people):
    _follower(wechat).say("你好")
    for n in range(7):
        _notify(app, people.worker, kind="handoff_failed", key=f"BA1:failed:{n}")
    wechat.deliver()
    assert len(wechat.fake.received(CUSTOM)) == 5


def _rejected(app, person_id: int, note: str = "户口簿上的姓名与身份证不一致", key: str = "BA1:rejected") -> int:
    """Queue what a reviewer's rejection queues (review.decide's parameters)."""
    return _notify(app, person_id, key=key, status="rejected", reason="documents_mismatch",
                   reason_zh=sentence("documents_mismatch"), reason_en=sentence("documents_mismatch", "en"), note=note)


def test_a_reviewers_rejection_by_customer_service_message_says_why_and_carries_the_note(app, wechat, people):
    _follower(wechat).say("你好")
    _rejected(app, people.worker)
    wechat.deliver()
    content = wechat.fake.received(CUSTOM)[0]["body"]["text"]["content"]
    assert "没有通过" in content and sentence("documents_mismatch") in content
    assert content.endswith("工作人员留言：户口簿上的姓名与身份证不一致")


def test_a_reviewers_rejection_by_subscribe_message_names_the_reason_within_twenty_characters(app, wechat, people):
    _subscriber(wechat)
    _rejected(app, people.worker)
    wechat.deliver()
    data = wechat.fake.received(SUBSCRIBE)[0]["body"]["data"]
    assert data["phrase2"]["value"] == "未通过"
    assert data["thing3"]["value"] == SHORT["documents_mismatch"] and len(data["thing3"]["value"]) <= 20


def test_every_short_reason_fits_a_subscribe_message_field():
    assert all(len(short) <= wechat_notifications.THING_MAX_CHARS for short in SHORT.values())


def test_a_long_note_is_cut_so_the_customer_service_text_stays_within_wechats_2048_bytes(app, wechat, people):
    _follower(wechat).say("你好")
    # The longest note a reviewer can write: 500 characters, here a rare name character (𠮷) that takes
    # 4 bytes in UTF-8, so the text would be about 2,200 bytes.
    _rejected(app, people.worker, note="𠮷" * 500)
    wechat.deliver()
    content = wechat.fake.received(CUSTOM)[0]["body"]["text"]["content"]
    assert 2040 < len(content.encode("utf-8")) <= 2048 and content.endswith("𠮷…")
    assert sentence("documents_mismatch") in content and "工作人员留言：𠮷𠮷" in content
