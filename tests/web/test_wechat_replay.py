"""A signed WeChat query is good once and for five minutes; pushes without MsgId are told apart by sender and time."""
import logging
import time

from sqlalchemy import func, select
from wechatpy.utils import WeChatSigner

from backend.extensions import db
from backend.models import WeChatInboundMessage
from tests.support.fake_wechat import WECHAT_TOKEN, fake_wechat, wechat  # noqa: F401


def _signed(timestamp: str, nonce: str = "n0nce") -> dict:
    signer = WeChatSigner()
    signer.add_data(WECHAT_TOKEN, timestamp, nonce)
    return {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce}


def test_it_refuses_stale_future_and_non_numeric_timestamps(wechat):
    user = wechat.follower("oa-timely")
    for timestamp in ("978307200", "4102444800", str(int(time.time()) - 301), "soon"):
        assert user.push(user.xml("text", msg_id=11, Content="你好"), query=_signed(timestamp)).status_code == 403
        assert wechat.client.get("/wechat", query_string={**_signed(timestamp), "echostr": "x"}).status_code == 403
    assert user.push(user.xml("text", msg_id=11, Content="你好"), query=_signed(str(int(time.time()) - 250))
                     ).status_code == 200


def test_a_captured_signed_query_cannot_post_a_second_body(app, wechat):
    query = _signed(str(int(time.time())), "captured1")
    victim, forger = wechat.follower("oa-victim"), wechat.follower("oa-forged")
    assert victim.push(victim.xml("text", msg_id=21, Content="你好"), query=query).status_code == 200

    replay = forger.push(forger.xml("text", msg_id=22, Content="我要取消备案"), query=query)

    assert replay.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WeChatInboundMessage)) == 1


def test_nonces_are_remembered_in_redis_when_it_is_configured(app, wechat, redis_url):
    app.config["REDIS_URL"] = redis_url
    query = _signed(str(int(time.time())), "captured2")
    user = wechat.follower("oa-redis")
    assert user.push(user.xml("text", msg_id=31, Content="你好"), query=query).status_code == 200
    assert user.push(user.xml("text", msg_id=32, Content="你好"), query=query).status_code == 403
    from redis import Redis

    assert Redis.from_url(redis_url).exists(f"used-once:wechat:{query['timestamp']}:captured2")


def test_pushes_without_msgid_from_two_people_are_both_answered(app, wechat):
    first, second = wechat.follower("oa-first"), wechat.follower("oa-second")
    now = int(time.time())

    first.push(first.xml("text", create_time=now, Content="你好"))
    second.push(second.xml("text", create_time=now, Content="你好"))

    with app.app_context():
        keys = db.session.scalars(select(WeChatInboundMessage.dedup_key)).all()
    assert len(keys) == 2 and len(set(keys)) == 2


def test_the_request_log_never_records_the_signature_parameters(app, wechat, caplog):
    caplog.set_level(logging.INFO)
    user = wechat.follower("oa-logged")
    query = user.signed_query()
    user.push(user.xml("text", msg_id=41, Content="你好"), query={**query, "msg_signature": "ab" * 20})

    lines = [r.getMessage() for r in caplog.records if r.name == "backend.request"]
    assert any("/wechat" in line for line in lines)
    for secret in (query["signature"], query["nonce"], query["timestamp"], "ab" * 20):
        assert not [line for line in lines if secret in line], secret
