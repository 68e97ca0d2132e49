"""The WeChat API port: an abstract interface and the wechatpy-based adapter.

Tests drive the real adapter against a fake WeChat served on loopback (tests/support/fake_wechat.py).

Two WeChat apps are involved: the mini-program (login, phone numbers, subscribe
messages) and the official account (customer-service messages, user info). Each
has its own access token; both are fetched from the stable-token endpoint and,
when REDIS_URL is set, cached in Redis so every process shares one token.

wechatpy 1.8.18 caveats handled here:
- `auto_retry=False`: its retry on token errors calls itself again without a bound;
  we refresh the token once and retry once, then report a transient failure.
- `wxa.code_to_session` fetches an access token that jscode2session does not take;
  we call jscode2session without one.
- the token URL and the wxa base URL are hard-coded; our client subclass uses
  WECHAT_API_BASE_URL and the stable-token endpoint (`/cgi-bin/stable_token`), whose
  tokens are not invalidated when another caller fetches one.
"""
from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

import requests
from flask import current_app
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

log = logging.getLogger(__name__)

# Token errors: 40001 invalid credential, 40014 invalid token, 42001 token expired.
TOKEN_ERRORS = (40001, 40014, 42001)
# -1 "system busy" and 45009 "daily limit" (resets) are worth retrying later.
TRANSIENT_ERRORS = (-1, 45009, 45011)
TIMEOUT_SECONDS = 4  # a login runs inside a request: stay well under WeChat's and the user's patience
TOKEN_MARGIN_SECONDS = 300


class WeChatError(Exception):
    """WeChat refused a call (errcode) or could not be reached (errcode None)."""

    def __init__(self, errcode: int | None, errmsg: str = "", status: int | None = None):
        super().__init__(f"wechat error {errcode}: {errmsg}" if errcode is not None else f"wechat unreachable: {errmsg}")
        self.errcode, self.errmsg, self.status = errcode, errmsg, status

    @property
    def transient(self) -> bool:
        """Return whether trying again later may succeed (network, 5xx, busy, token trouble)."""
        return self.errcode is None or self.errcode in TRANSIENT_ERRORS or self.errcode in TOKEN_ERRORS


@dataclass
class Session:
    """What jscode2session answers; session_key stays on the server, never sent to the client."""

    openid: str
    session_key: str
    unionid: str | None = None


class WeChatApi(ABC):
    """The calls the product makes to WeChat."""

    @abstractmethod
    def code_to_session(self, code: str) -> Session:
        """Exchange a mini-program wx.login code for the user's openid."""

    @abstractmethod
    def phone_number(self, code: str) -> str:
        """Exchange a getPhoneNumber code for the user's phone number (digits only)."""

    @abstractmethod
    def send_text(self, openid: str, text: str) -> None:
        """Send an official-account customer-service text message."""

    @abstractmethod
    def send_subscribe(self, openid: str, template_id: str, data: dict, page: str | None = None) -> None:
        """Send a mini-program subscribe message."""

    @abstractmethod
    def unionid(self, openid: str) -> str | None:
        """Return the unionid of an official-account follower, when WeChat tells it."""

    @abstractmethod
    def download_media(self, media_id: str) -> bytes:
        """Return the file a follower sent (an image message's MediaId), through the temporary-media API."""


class _Client(WeChatClient):
    """wechatpy's client on our base URL, with stable tokens and no unbounded retry."""

    def __init__(self, appid: str, secret: str, base_url: str, session, timeout: float):
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=False)
        self.base_url = base_url.rstrip("/")
        self.API_BASE_URL = self.base_url + "/cgi-bin/"

    def fetch_access_token(self):
        """Fetch a stable access token and cache it a little shorter than WeChat keeps it."""
        try:
            res = self._http.post(f"{self.base_url}/cgi-bin/stable_token", timeout=self.timeout, json={
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
                "force_refresh": False,
            })
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatError(None, f"token: {exc}") from exc
        if result.get("errcode"):
            raise WeChatError(int(result["errcode"]), result.get("errmsg", ""))
        ttl = max(60, int(result.get("expires_in", 7200)) - TOKEN_MARGIN_SECONDS)
        self.session.set(self.access_token_key, result["access_token"], ttl)
        self.expires_at = int(time.time()) + ttl + 60  # wechatpy refreshes 60 s before expires_at
        return result

    def forget_token(self) -> None:
        """Drop the cached token (WeChat said it is expired or invalid)."""
        self.session.delete(self.access_token_key)
        self.expires_at = None

    def call(self, method: str, path: str, params: dict | None = None, **kwargs) -> dict:
        """Call an access-token API; on a token error refresh once and retry once."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        for attempt in (1, 2):
            try:
                return self._request(method, url, params=dict(params or {}), **kwargs)
            except WeChatClientException as exc:
                errcode = getattr(exc, "errcode", None)
                if errcode in TOKEN_ERRORS and attempt == 1:
                    self.forget_token()
                    continue
                status = exc.response.status_code if getattr(exc, "response", None) is not None else None
                raise WeChatError(errcode, getattr(exc, "errmsg", "") or f"HTTP {status}", status) from exc
            except requests.RequestException as exc:
                raise WeChatError(None, str(exc)) from exc
        raise AssertionError("unreachable")

    def call_without_token(self, path: str, params: dict) -> dict:
        """Call an API that takes no access token (jscode2session)."""
        try:
            res = self._http.get(f"{self.base_url}/{path.lstrip('/')}", params=params, timeout=self.timeout)
            res.raise_for_status()
            return self._handle_result(res)
        except WeChatClientException as exc:
            raise WeChatError(exc.errcode, exc.errmsg or "") from exc
        except requests.RequestException as exc:
            raise WeChatError(None, str(exc),
                              getattr(getattr(exc, "response", None), "status_code", None)) from exc


def _storage(redis_url: str):
    if not redis_url:
        return MemoryStorage()
    import redis
    from wechatpy.session.redisstorage import RedisStorage

    return RedisStorage(redis.Redis.from_url(redis_url), prefix="wechatpy")


class WeChatpyApi(WeChatApi):
    """The real adapter: wechatpy clients for the mini-program and the official account."""

    def __init__(self, *, base_url: str, mp_app_id: str, mp_secret: str, oa_app_id: str, oa_secret: str,
                 redis_url: str = "", timeout: float = TIMEOUT_SECONDS):
        storage = _storage(redis_url)
        self.mini_program = _Client(mp_app_id, mp_secret, base_url, storage, timeout)
        self.official = (self.mini_program if (oa_app_id, oa_secret) == (mp_app_id, mp_secret)
                         else _Client(oa_app_id, oa_secret, base_url, storage, timeout))

    def code_to_session(self, code: str) -> Session:
        client = self.mini_program
        result = client.call_without_token("sns/jscode2session", {
            "appid": client.appid, "secret": client.secret, "js_code": code, "grant_type": "authorization_code",
        })
        if not result.get("openid"):
            raise WeChatError(None, "jscode2session answered without an openid")
        return Session(result["openid"], result.get("session_key", ""), result.get("unionid"))

    def phone_number(self, code: str) -> str:
        result = self.mini_program.call("post", "wxa/business/getuserphonenumber", data={"code": code})
        info = result.get("phone_info") or {}
        return info.get("purePhoneNumber") or info.get("phoneNumber") or ""

    def send_text(self, openid: str, text: str) -> None:
        self.official.call("post", "cgi-bin/message/custom/send",
                           data={"touser": openid, "msgtype": "text", "text": {"content": text}})

    def send_subscribe(self, openid: str, template_id: str, data: dict, page: str | None = None) -> None:
        body = {"touser": openid, "template_id": template_id, "data": data}
        if page:
            body["page"] = page
        self.mini_program.call("post", "cgi-bin/message/subscribe/send", data=body)

    def unionid(self, openid: str) -> str | None:
        result = self.official.call("get", "cgi-bin/user/info", params={"openid": openid, "lang": "zh_CN"})
        return result.get("unionid")

    def download_media(self, media_id: str) -> bytes:
        # wechatpy's media API answers the requests Response when the body is a file, and raises on an
        # errcode (an expired or unknown MediaId is 40007). Temporary media are kept 3 days by WeChat and
        # an image message's is at most a few MB, so the whole file is held once here.
        client = self.official
        for attempt in (1, 2):
            try:
                res = client.media.download(media_id)
            except WeChatClientException as exc:
                errcode = getattr(exc, "errcode", None)
                if errcode in TOKEN_ERRORS and attempt == 1:
                    client.forget_token()
                    continue
                raise WeChatError(errcode, getattr(exc, "errmsg", "") or "media download failed") from exc
            except requests.RequestException as exc:
                raise WeChatError(None, str(exc)) from exc
            if isinstance(res, dict):
                raise WeChatError(None, "media answered without a file")
            return res.content
        raise AssertionError("unreachable")


def api() -> WeChatApi:
    """Return the app's WeChat adapter, building the real one on first use."""
    existing = current_app.extensions.get("wechat_api")
    if existing is not None:
        return existing
    cfg = current_app.config
    adapter = WeChatpyApi(
        base_url=cfg["WECHAT_API_BASE_URL"], mp_app_id=cfg["WECHAT_APP_ID"], mp_secret=cfg["WECHAT_APP_SECRET"],
        oa_app_id=cfg.get("WECHAT_OA_APP_ID") or cfg["WECHAT_APP_ID"],
        oa_secret=cfg.get("WECHAT_OA_APP_SECRET") or cfg["WECHAT_APP_SECRET"], redis_url=cfg.get("REDIS_URL", ""),
    )
    current_app.extensions["wechat_api"] = adapter
    return adapter
