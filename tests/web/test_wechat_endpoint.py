"""The official-account endpoint: signatures, safe mode, retries, refusals of hostile XML."""
import threading
import time
import tracemalloc

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import AuditEntry, DialogSession, WeChatIdentity, WeChatInboundMessage
from tests.support.fake_wechat import fake_wechat, wechat  # noqa: F401

WORKER = dict(name="李强", id_number="340102199001150033", area="340100")

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName>gh_test_account</ToUserName><FromUserName>oa-attacker</FromUserName>
<CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_test_account</ToUserName><FromUserName>oa-attacker</FromUserName>
<CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _bound_worker(wechat):
    user, _token = wechat.follow_bound("oa-worker", "union-worker", "ok:mp-worker:union-worker", WORKER["name"],
                                       WORKER["id_number"], WORKER["area"])
    return user


def test_the_get_handshake_echoes_echostr_when_the_signature_is_right(wechat):
    user = wechat.follower("oa-anyone")
    response = wechat.client.get("/wechat", query_string=user.signed_query(echostr="hello-123"))
    assert response.status_code == 200 and response.get_data(as_text=True) == "hello-123"


def test_a_bad_signature_answers_403_and_changes_nothing_for_get_and_post(app, wechat):
    user = wechat.follower("oa-forger")
    forged = {**user.signed_query(echostr="hello"), "signature": "0" * 40}
    response = wechat.client.get("/wechat", query_string=forged)
    assert response.status_code == 403 and "hello" not in response.get_data(as_text=True)
    response = user.push(user.xml("text", msg_id=77, Content="我想办异地就医备案"), query=forged)
    assert response.status_code == 403
    missing = user.push(user.xml("text", msg_id=78, Content="你好"), query={})
    assert missing.status_code == 403
    assert [_count(app, m) for m in (WeChatInboundMessage, WeChatIdentity, DialogSession)] == [0, 0, 0]


def test_without_a_configured_token_every_push_is_refused(app, wechat):
    app.config["WECHAT_TOKEN"] = ""
    user = wechat.follower("oa-anyone")
    user.token = ""  # even a signature computed over the empty token
    assert wechat.client.get("/wechat", query_string=user.signed_query(echostr="x")).status_code == 403


def test_a_retried_msgid_runs_one_transition_and_gets_the_same_reply(app, wechat, people, today):
    user = _bound_worker(wechat)
    first = user.say("公司派我去苏州工作一年，在那边看病怎么报销？", msg_id=9001)
    with app.app_context():
        after_first = db.session.scalar(select(DialogSession.version))
    retries = [user.say("公司派我去苏州工作一年，在那边看病怎么报销？", msg_id=9001) for _ in range(2)]
    assert "异地就医备案" in first and retries == [first, first]
    with app.app_context():
        session = db.session.scalar(select(DialogSession))
        assert session.version == after_first and session.step == "start_date"
        keys = db.session.scalars(select(WeChatInboundMessage.dedup_key)
                                  .where(WeChatInboundMessage.kind == "text")).all()
        assert keys == ["msg:9001"]
    assert user.say("12月1日", msg_id=9002) != first  # a new MsgId is a new turn
    with app.app_context():
        assert db.session.scalar(select(DialogSession.version)) == after_first + 1


def test_a_late_retry_after_the_user_moved_on_changes_nothing(app, wechat, people, today):
    # The retry's turn runs on the newer state, then its MsgId record (the turn's last write)
    # meets the first delivery's row: the whole turn is undone and WeChat gets "success".
    user = _bound_worker(wechat)
    user.say("公司派我去苏州工作一年，在那边看病怎么报销？", msg_id=9011)
    user.say("12月1日", msg_id=9012)
    with app.app_context():
        before = db.session.scalar(select(DialogSession))
        before = (before.version, before.step, dict(before.slots), before.last_turn_key)
    assert user.say("公司派我去苏州工作一年，在那边看病怎么报销？", msg_id=9011) is None
    with app.app_context():
        after = db.session.scalar(select(DialogSession))
        assert (after.version, after.step, dict(after.slots), after.last_turn_key) == before
        assert sorted(db.session.scalars(select(WeChatInboundMessage.dedup_key)
                                         .where(WeChatInboundMessage.kind == "text")).all()) == ["msg:9011", "msg:9012"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_turn_takes_the_sqlite_write_lock_only_at_its_end(app, wechat, people, today, monkeypatch):
    # SQLite has one writer at a time: a turn that wrote its MsgId record first would keep every
    # other message waiting while its engine runs. Another writer must get in meanwhile.
    import sqlite3

    from dialogs import engine

    user = _bound_worker(wechat)
    user.say("你好", msg_id=9020)  # the session exists before the measured turn
    with app.app_context():
        path = db.engine.url.database
    real_advance = engine.advance
    outcome: dict = {}

    def busy_engine(*args, **kwargs):
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once while another connection holds the write lock
            other.rollback()
            outcome["other_writer"] = "got in"
        except sqlite3.OperationalError as exc:
            outcome["other_writer"] = str(exc)
        finally:
            other.close()
        return real_advance(*args, **kwargs)

    monkeypatch.setattr(engine, "advance", busy_engine)
    assert "异地就医备案" in user.say("公司派我去苏州工作一年，在那边看病怎么报销？", msg_id=9021)
    assert outcome == {"other_writer": "got in"}


def test_a_subscribe_event_is_welcomed_and_its_retry_gets_the_same_welcome(app, wechat):
    user = wechat.follower("oa-newcomer")
    event = user.xml("event", create_time=1764000000, Event="subscribe")
    first = user.reply_text(user.push(event))
    again = user.reply_text(user.push(event))
    # The welcome says identity is confirmed here, in the conversation, never on another page.
    assert first == again and "办异地就医备案" in first and "身份证号" in first and "小程序" not in first
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WeChatInboundMessage)) == 1
        identity = db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.openid == "oa-newcomer"))
        assert identity.subscribed is True and identity.app_id == "wx-oa-test"


def test_an_unsubscribe_is_recorded_and_answered_with_success(app, wechat):
    user = wechat.follower("oa-leaver")
    user.push(user.xml("event", Event="subscribe"))
    assert user.reply_text(user.push(user.xml("event", Event="unsubscribe"))) is None
    with app.app_context():
        identity = db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.openid == "oa-leaver"))
        assert identity.subscribed is False
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "wechat.unsubscribed"))


def test_an_image_gets_a_short_guidance_to_type(wechat):
    user = wechat.follower("oa-photographer")
    reply = user.reply_text(user.push(user.xml("image", msg_id=31, PicUrl="http://example.invalid/a.jpg",
                                               MediaId="m1")))
    assert "图片" in reply and "打字" in reply and len(reply) < 80


def test_a_voice_message_is_understood_through_wechats_recognition(app, wechat, people, today):
    user = _bound_worker(wechat)
    heard = user.reply_text(user.push(user.xml("voice", msg_id=41, MediaId="v1", Format="amr",
                                               Recognition="公司派我去苏州工作一年。")))
    assert "异地就医备案" in heard
    unclear = user.reply_text(user.push(user.xml("voice", msg_id=42, MediaId="v2", Format="amr")))
    assert "没听清" in unclear
    with app.app_context():
        assert db.session.scalar(select(DialogSession.step)) == "start_date"


def test_safe_mode_messages_are_decrypted_and_answered_encrypted(app, wechat):
    user = wechat.follower("oa-careful", safe_mode=True)
    response = user.push(user.xml("event", Event="subscribe"))
    assert b"<Encrypt>" in response.data and "办异地就医备案".encode() not in response.data
    assert "办异地就医备案" in user.reply_text(response)
    assert "身份证号" in user.say("我想办异地就医备案")  # an unbound person is answered (binding in the chat)
    assert user.last.status_code == 200


def test_a_wrong_msg_signature_in_safe_mode_answers_403_and_records_nothing(app, wechat):
    user = wechat.follower("oa-careful", safe_mode=True)
    query = user.signed_query()
    encrypted = user.crypto.encrypt_message(user.xml("text", msg_id=5, Content="你好"), query["nonce"],
                                            query["timestamp"])
    import xmltodict

    envelope = xmltodict.parse(encrypted)["xml"]
    body = f"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    response = wechat.client.post("/wechat", data=body, query_string={
        **query, "encrypt_type": "aes", "msg_signature": "f" * 40})
    assert response.status_code == 403
    assert _count(app, WeChatInboundMessage) == 0


def _push_measured(user, body: str):
    """Push a body; return the response and the peak of traced memory while it was handled."""
    tracemalloc.start()
    try:
        response = user.push(body)
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_billion_laughs_payload_is_refused_with_400_and_memory_stays_flat(app, wechat):
    response, peak = _push_measured(wechat.follower("oa-attacker"), BILLION_LAUGHS)
    assert response.status_code == 400
    assert peak < 2 * 1024 * 1024  # expanded, &lol9; would be 3 GB
    assert _count(app, WeChatInboundMessage) == 0


def test_an_encrypted_billion_laughs_payload_is_refused_too_and_memory_stays_flat(app, wechat):
    response, peak = _push_measured(wechat.follower("oa-attacker", safe_mode=True), BILLION_LAUGHS)
    assert response.status_code == 400 and peak < 2 * 1024 * 1024
    assert _count(app, WeChatInboundMessage) == 0


def test_an_external_entity_payload_is_refused_with_400_and_memory_stays_flat(app, wechat):
    response, peak = _push_measured(wechat.follower("oa-attacker"), EXTERNAL_ENTITY)
    assert response.status_code == 400 and b"root:" not in response.data
    assert peak < 2 * 1024 * 1024
    assert _count(app, WeChatIdentity) == 0


def test_a_body_over_64_kb_is_refused_with_400(wechat):
    user = wechat.follower("oa-verbose")
    big = user.xml("text", msg_id=3, Content="长" * 22_000)  # 66 KB of UTF-8
    assert len(big.encode()) > 64 * 1024
    assert user.push(big).status_code == 400


def test_malformed_or_foreign_xml_is_refused_with_400(wechat):
    user = wechat.follower("oa-broken")
    for body in ("<xml><ToUserName>gh", "hello", "", "<note><to>x</to></note>", "<xml><MsgType>text</MsgType></xml>",
                 b"<xml>\xff\xfe</xml>"):
        assert user.push(body).status_code == 400, body


def test_an_unbound_follower_binds_in_the_conversation_never_sent_elsewhere(wechat):
    user = wechat.follower("oa-stranger")
    reply = user.say("我想办异地就医备案")
    assert "姓名" in reply and "身份证号" in reply and "小程序" not in reply


# WeChat retries only when the first push has not been answered: the retries arrive while the
# first turn still runs. The row lock that settles it is PostgreSQL's (the production database).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_retries_arriving_while_the_first_turn_still_runs_make_one_transition(app, wechat, people, today,
                                                                              monkeypatch):
    from backend.services.dialog import dialog_turns
    from tests.support.fake_wechat import OfficialAccountUser

    user = _bound_worker(wechat)
    real_turn = dialog_turns.handle_turn

    def slow_turn(*args, **kwargs):
        time.sleep(1.0)  # a turn still busy when WeChat sends the same message again
        return real_turn(*args, **kwargs)

    monkeypatch.setattr(dialog_turns, "handle_turn", slow_turn)
    answers: list = []

    def push_once():
        # Each push on its own connection, as WeChat's retries are.
        phone = OfficialAccountUser(app.test_client(), user.openid, token=user.token, account=user.account)
        answers.append(phone.say("公司派我去苏州工作一年", msg_id=9100))

    pushes = [threading.Thread(target=push_once) for _ in range(3)]
    for push in pushes:
        push.start()
        time.sleep(0.2)
    for push in pushes:
        push.join(timeout=30)
    replies = [a for a in answers if a is not None]
    assert len(answers) == 3 and replies and all(r == replies[0] for r in replies)
    assert "异地就医备案" in replies[0]
    with app.app_context():
        session = db.session.scalar(select(DialogSession))
        assert session.version == 2 and session.step == "start_date"  # created at 1, one transition
        assert db.session.scalars(select(WeChatInboundMessage.dedup_key)
                                  .where(WeChatInboundMessage.kind == "text")).all() == ["msg:9100"]
