"""Whole conversations through the official account: the same engine and sessions as the mini-program."""
import time

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import DialogSession, Filing, OutboxMessage, WeChatOutboundMessage
from tests.support.fake_wechat import fake_wechat, wechat  # noqa: F401

WORKER = ("李强", "340102199001150033", "340100")


def _bound_worker(wechat):
    return wechat.follow_bound("oa-worker", "union-worker", "ok:mp-worker:union-worker", *WORKER)


def test_a_posted_worker_files_in_chinese_free_text_through_the_official_account(app, wechat, people, today):
    user, _token = _bound_worker(wechat)
    user.conversation("公司派我去苏州工作一年，在那边看病怎么报销？", "12月1日")
    with app.app_context():
        assert db.session.scalar(select(DialogSession.step)) == "materials"
    reply = user.conversation(1)  # the commitment letter: its full text, signed only by its own choice
    assert "本人承诺" in reply and "1 我已阅读并承诺" in reply
    reply = user.conversation(1, 1)  # 我已阅读并承诺, the phone already on file
    assert "常驻异地工作人员" in reply and "1 确认" in reply
    reply = user.conversation(1)
    assert "备案已通过" in reply and "BA20261122-" in reply
    with app.app_context():
        filing = db.session.scalar(select(Filing))
        assert (filing.status, filing.channel, filing.treatment_area_code) == ("approved", "wechat", "320500")
        assert filing.principal_person_id == people.worker


def test_a_conversation_started_in_the_mini_program_continues_in_the_official_account(app, wechat, people, today):
    user, token = _bound_worker(wechat)
    started = wechat.client.post("/api/v1/dialog/messages", json={"text": "公司派我去苏州工作一年"},
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    assert started["state"] == "start_date"
    user.say("12月1日")
    with app.app_context():
        sessions = db.session.scalars(select(DialogSession)).all()
        assert [(s.user_key, s.step, s.last_channel) for s in sessions] == [
            (f"person:{people.worker}", "materials", "wechat")]


def test_large_text_mode_answers_are_short_with_numbered_choices(app, wechat, people, today):
    user, _token = _bound_worker(wechat)
    user.say("大字")
    reply = user.say("公司派我去苏州工作一年")
    # The elder-mode rule (DOMAIN.md 5): 120 characters, the numbered choices included.
    assert len(reply) <= 120 and "\n1 " in reply
    with app.app_context():
        from backend.models import Person

        assert db.session.get(Person, people.worker).large_text is True


def test_a_turn_slower_than_the_deadline_answers_success_and_the_reply_follows_by_customer_service(
        app, wechat, people, today):
    user, _token = _bound_worker(wechat)
    app.config["WECHAT_REPLY_DEADLINE"] = 0  # answer WeChat at once, as when a turn outlasts 4 seconds
    assert user.say("公司派我去苏州工作一年") is None
    with app.app_context():
        deadline = time.monotonic() + 10
        while not db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.topic == "wechat.customer_service")):
            assert time.monotonic() < deadline, "the late reply was never queued"
            db.session.rollback()
            time.sleep(0.05)
    assert wechat.deliver() >= 1
    sent = wechat.fake.received("/cgi-bin/message/custom/send")
    assert [(s["body"]["touser"], s["body"]["msgtype"]) for s in sent] == [("oa-worker", "text")]
    assert "异地就医备案" in sent[0]["body"]["text"]["content"]
    with app.app_context():
        assert db.session.scalar(select(DialogSession.step)) == "start_date"
        assert db.session.scalar(select(func.count()).select_from(WeChatOutboundMessage)) == 1
