"""The wechatpy-based adapter against the fake WeChat server process (no app needed)."""
import pytest

from backend.adapters.wechat import WeChatError, WeChatpyApi
from tests.support.fake_wechat import fake_wechat  # noqa: F401


@pytest.fixture()
def api(fake_wechat):
    fake_wechat.reset()
    return WeChatpyApi(base_url=fake_wechat.url, mp_app_id="wx-mini", mp_secret="s1", oa_app_id="wx-oa",
                       oa_secret="s2")


def test_tokens_come_from_the_stable_token_endpoint_and_are_reused(api, fake_wechat):
    for n in range(3):
        api.send_text("oa-1", f"消息{n}")
    paths = [c["path"] for c in fake_wechat.received()]
    assert paths.count("/cgi-bin/stable_token") == 1 and paths.count("/cgi-bin/message/custom/send") == 3
    assert fake_wechat.legacy_token_calls() == 0
    token_call = fake_wechat.received("/cgi-bin/stable_token")[0]
    assert token_call["body"] == {"grant_type": "client_credential", "appid": "wx-oa", "secret": "s2",
                                  "force_refresh": False}


def test_repeated_token_errors_give_up_after_one_refresh_instead_of_recursing(api, fake_wechat):
    fake_wechat.fail("/cgi-bin/message/custom/send", errcode=42001, times=10)
    with pytest.raises(WeChatError) as raised:
        api.send_text("oa-1", "你好")
    assert raised.value.errcode == 42001 and raised.value.transient
    assert len(fake_wechat.received("/cgi-bin/message/custom/send")) == 2


def test_an_unreachable_wechat_is_a_transient_error(fake_wechat):
    dead = WeChatpyApi(base_url="http://127.0.0.1:9", mp_app_id="a", mp_secret="b", oa_app_id="a", oa_secret="b",
                       timeout=1)
    with pytest.raises(WeChatError) as raised:
        dead.code_to_session("ok:x")
    assert raised.value.errcode is None and raised.value.transient


def test_45015_is_reported_as_a_permanent_error_with_its_code(api, fake_wechat):
    fake_wechat.fail("/cgi-bin/message/custom/send", errcode=45015)
    with pytest.raises(WeChatError) as raised:
        api.send_text("oa-1", "你好")
    assert raised.value.errcode == 45015 and not raised.value.transient


def test_with_redis_every_process_shares_one_access_token(fake_wechat, redis_url):
    fake_wechat.reset()
    # Two adapters stand for two app processes (or instances) with the same REDIS_URL.
    first, second = (WeChatpyApi(base_url=fake_wechat.url, mp_app_id="wx-mini", mp_secret="s1", oa_app_id="wx-oa",
                                 oa_secret="s2", redis_url=redis_url) for _ in range(2))
    first.send_text("oa-1", "你好")
    second.send_text("oa-2", "您好")
    paths = [c["path"] for c in fake_wechat.received()]
    assert paths.count("/cgi-bin/stable_token") == 1 and paths.count("/cgi-bin/message/custom/send") == 2


def test_without_redis_each_process_fetches_its_own_token(fake_wechat):
    fake_wechat.reset()
    for _ in range(2):
        WeChatpyApi(base_url=fake_wechat.url, mp_app_id="wx-mini", mp_secret="s1", oa_app_id="wx-oa",
                    oa_secret="s2").send_text("oa-1", "你好")
    assert [c["path"] for c in fake_wechat.received()].count("/cgi-bin/stable_token") == 2
