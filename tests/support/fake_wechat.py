"""A fake WeChat for tests: the API server (a real HTTP process on loopback) and a message sender.

Run as `python -m tests.support.fake_wechat --port 0`; it prints `PORT <n>` and serves:
  POST /cgi-bin/stable_token, GET /cgi-bin/token (counted: we must not use it),
  GET  /sns/jscode2session   (code "ok:<openid>[:<unionid>][#n]"; anything else is 40029; a code works once),
  POST /wxa/business/getuserphonenumber (code "phone:<digits>"),
  POST /cgi-bin/message/custom/send, POST /cgi-bin/message/subscribe/send,
  GET  /cgi-bin/user/info (unionids registered through /_control/unionid),
  GET  /cgi-bin/media/get   (the files registered through /_control/media; an unknown MediaId is 40007).
Control: POST /_control/reset, POST /_control/fail {"path", "errcode" | "status", "times"},
POST /_control/expire_tokens, POST /_control/unionid {"openid", "unionid"},
POST /_control/media {"media_id", "base64", "content_type"}, GET /_control/received.
"""
from __future__ import annotations

import argparse
import base64
import json
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

STATE = {"tokens": {}, "expired": set(), "received": [], "failures": [], "used_codes": set(), "unionids": {},
         "legacy_token_calls": 0, "media": {}}
LOCK = threading.Lock()
TOKEN_PATHS = ("/cgi-bin/message/custom/send", "/cgi-bin/message/subscribe/send", "/wxa/business/getuserphonenumber",
               "/cgi-bin/user/info", "/cgi-bin/media/get")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: dict):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {"_raw": raw.decode("utf-8", "replace")}

    def do_GET(self):
        self._handle("GET", {})

    def do_POST(self):
        self._handle("POST", self._body())

    def _handle(self, method: str, body: dict):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path.startswith("/_control/"):
            return self._control(path, body)
        with LOCK:
            STATE["received"].append({"method": method, "path": path, "query": query, "body": body})
            failure = next((f for f in STATE["failures"] if f["path"] == path and f["times"] > 0), None)
            if failure:
                failure["times"] -= 1
        if failure and "status" in failure:
            return self._send(failure["status"], {"errcode": -1, "errmsg": "server error"})
        if failure:
            return self._send(200, {"errcode": failure["errcode"], "errmsg": "scripted"})
        if path in TOKEN_PATHS:
            token = query.get("access_token", "")
            if token in STATE["expired"]:
                return self._send(200, {"errcode": 42001, "errmsg": "access_token expired"})
            if token not in STATE["tokens"]:
                return self._send(200, {"errcode": 40001, "errmsg": "invalid credential"})
        if (method, path) == ("GET", "/cgi-bin/media/get"):
            return self._media(query.get("media_id", ""))
        route = ROUTES.get((method, path))
        if route is None:
            return self._send(404, {"errcode": 404, "errmsg": "no such fake endpoint"})
        return self._send(200, route(query, body))

    def _media(self, media_id: str):
        """Answer a temporary medium as WeChat does: the file itself, or JSON with errcode 40007."""
        found = STATE["media"].get(media_id)
        if found is None:
            return self._send(200, {"errcode": 40007, "errmsg": "invalid media_id"})
        data, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Disposition", f'attachment; filename="{media_id}.jpg"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _control(self, path: str, body: dict):
        with LOCK:
            if path == "/_control/reset":
                STATE.update(tokens={}, expired=set(), received=[], failures=[], used_codes=set(), unionids={},
                             legacy_token_calls=0, media={})
            elif path == "/_control/fail":
                STATE["failures"].append({"times": 1, **body})
            elif path == "/_control/expire_tokens":
                STATE["expired"] |= set(STATE["tokens"])
                STATE["tokens"] = {}
            elif path == "/_control/unionid":
                STATE["unionids"][body["openid"]] = body["unionid"]
            elif path == "/_control/media":
                STATE["media"][body["media_id"]] = (base64.b64decode(body["base64"]),
                                                    body.get("content_type", "image/jpeg"))
            elif path == "/_control/received":
                return self._send(200, {"received": STATE["received"],
                                        "legacy_token_calls": STATE["legacy_token_calls"]})
        return self._send(200, {"ok": True})


def stable_token(query, body):
    if not body.get("appid") or not body.get("secret"):
        return {"errcode": 40013, "errmsg": "invalid appid"}
    token = "tok-" + secrets.token_hex(8)
    with LOCK:
        STATE["tokens"][token] = body["appid"]
    return {"access_token": token, "expires_in": 7200}


def legacy_token(query, body):
    with LOCK:
        STATE["legacy_token_calls"] += 1
    return {"errcode": 40164, "errmsg": "use the stable token endpoint"}


def jscode2session(query, body):
    code = query.get("js_code", "")
    with LOCK:
        if not code.startswith("ok:") or code in STATE["used_codes"]:
            return {"errcode": 40029, "errmsg": "invalid code"}
        STATE["used_codes"].add(code)
    parts = code.split("#", 1)[0].split(":")  # "#..." makes another code for the same user
    answer = {"openid": parts[1], "session_key": "sk-" + secrets.token_hex(8)}
    if len(parts) > 2:
        answer["unionid"] = parts[2]
    return answer


def phone_number(query, body):
    code = body.get("code", "")
    if not code.startswith("phone:"):
        return {"errcode": 40029, "errmsg": "invalid code"}
    number = code.split(":", 1)[1]
    return {"errcode": 0, "errmsg": "ok", "phone_info": {"phoneNumber": number, "purePhoneNumber": number,
                                                         "countryCode": "86"}}


def ok(query, body):
    return {"errcode": 0, "errmsg": "ok"}


def user_info(query, body):
    openid = query.get("openid", "")
    answer = {"subscribe": 1, "openid": openid}
    if openid in STATE["unionids"]:
        answer["unionid"] = STATE["unionids"][openid]
    return answer


ROUTES = {
    ("POST", "/cgi-bin/stable_token"): stable_token,
    ("GET", "/cgi-bin/token"): legacy_token,
    ("GET", "/sns/jscode2session"): jscode2session,
    ("POST", "/wxa/business/getuserphonenumber"): phone_number,
    ("POST", "/cgi-bin/message/custom/send"): ok,
    ("POST", "/cgi-bin/message/subscribe/send"): ok,
    ("GET", "/cgi-bin/user/info"): user_info,
}


class FakeWeChatProcess:
    """The fake server as a child process, with helpers to script it and read what it received."""

    def __init__(self):
        root = Path(__file__).resolve().parents[2]
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.fake_wechat", "--port", "0"], cwd=root,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"fake WeChat did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def _post(self, path: str, body: dict | None = None) -> dict:
        import urllib.request

        req = urllib.request.Request(self.url + path, data=json.dumps(body or {}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    def reset(self):
        self._post("/_control/reset")

    def fail(self, path: str, *, errcode: int | None = None, status: int | None = None, times: int = 1):
        """Make the next `times` calls to path answer errcode (HTTP 200) or an HTTP status."""
        rule = {"path": path, "times": times}
        rule.update({"status": status} if status else {"errcode": errcode})
        self._post("/_control/fail", rule)

    def expire_tokens(self):
        self._post("/_control/expire_tokens")

    def set_unionid(self, openid: str, unionid: str):
        self._post("/_control/unionid", {"openid": openid, "unionid": unionid})

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg"):
        """Serve data for a MediaId, as WeChat keeps what a follower sent."""
        self._post("/_control/media", {"media_id": media_id, "base64": base64.b64encode(data).decode(),
                                        "content_type": content_type})

    def received(self, path: str | None = None) -> list[dict]:
        items = self._post("/_control/received")["received"]
        return [r for r in items if path is None or r["path"] == path]

    def legacy_token_calls(self) -> int:
        return self._post("/_control/received")["legacy_token_calls"]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --------------------------------------------------------------------------- the sending side

class OfficialAccountUser:
    """A follower of the official account: builds and signs pushes exactly as WeChat does."""

    def __init__(self, client, openid: str, *, token: str, account: str = "gh_test_account", crypto=None):
        self.client, self.openid, self.token, self.account, self.crypto = client, openid, token, account, crypto
        self.next_id = int(time.time() * 1000) * 100 + secrets.randbelow(100)
        self.last = None

    def signed_query(self, **extra) -> dict:
        """Return signature, timestamp and nonce as WeChat computes them (sha1 of sorted token, ts, nonce)."""
        from wechatpy.utils import WeChatSigner

        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        signer = WeChatSigner()
        signer.add_data(self.token, timestamp, nonce)
        return {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce, **extra}

    def xml(self, msg_type: str, *, msg_id: int | None = None, create_time: int | None = None, **fields) -> str:
        """Build a push in WeChat's XML shape."""
        body = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
        msg_id_xml = f"<MsgId>{msg_id}</MsgId>" if msg_id is not None else ""
        return (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                f"<FromUserName><![CDATA[{self.openid}]]></FromUserName>"
                f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
                f"<MsgType><![CDATA[{msg_type}]]></MsgType>{body}{msg_id_xml}</xml>")

    def push(self, xml: str | bytes, query: dict | None = None):
        """POST a push to /wechat, encrypted in safe mode; return the response."""
        query = self.signed_query() if query is None else query
        if self.crypto is not None and isinstance(xml, str):
            encrypted = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
            import xmltodict

            envelope = xmltodict.parse(encrypted)["xml"]
            query = {**query, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
            xml = (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                   f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>")
        self.last = self.client.post("/wechat", query_string=query, data=xml,
                                     headers={"Content-Type": "text/xml"})
        return self.last

    def say(self, text: str, msg_id: int | None = None):
        """Send a text message; return the reply text (None for "success")."""
        if msg_id is None:
            self.next_id += 1
            msg_id = self.next_id
        return self.reply_text(self.push(self.xml("text", msg_id=msg_id, Content=text)))

    def reply_text(self, response) -> str | None:
        """Return the text of a passive reply (decrypted in safe mode), or None for success."""
        assert response.status_code == 200, (response.status_code, response.data[:200])
        body = response.get_data(as_text=True)
        if body == "success":
            return None
        import xmltodict

        if self.crypto is not None:
            envelope = xmltodict.parse(body)["xml"]
            body = self.crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"],
                                               envelope["Nonce"])
        reply = xmltodict.parse(body)["xml"]
        assert reply["ToUserName"] == self.openid and reply["MsgType"] == "text"
        return reply["Content"]

    def send_image(self, media_id: str, msg_id: int | None = None) -> str | None:
        """Send an image message (as WeChat pushes a photo: PicUrl and MediaId); return the reply text."""
        if msg_id is None:
            self.next_id += 1
            msg_id = self.next_id
        return self.reply_text(self.push(self.xml("image", msg_id=msg_id, PicUrl=f"http://mmbiz.invalid/{media_id}",
                                                  MediaId=media_id)))

    def conversation(self, *lines) -> str | None:
        """Send each line (ints are numbered choices, typed as digits); return the last reply."""
        reply = None
        for line in lines:
            reply = self.say(str(line))
        return reply


def main() -> None:
    parser = argparse.ArgumentParser(description="fake WeChat API server (tests only)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()


# --------------------------------------------------------------------------- pytest fixtures
# Test modules import these: `from tests.support.fake_wechat import fake_wechat, wechat  # noqa: F401`.

import pytest  # noqa: E402

WECHAT_TOKEN = "test-wechat-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"   # a 43-character EncodingAESKey
MINI_APP_ID, OA_APP_ID = "wx-mini-test", "wx-oa-test"
TEMPLATES = {"filing_decided": "TPL-DECIDED", "handoff_delivered": "TPL-DELIVERED", "handoff_failed": "TPL-FAILED"}


@pytest.fixture(scope="session")
def fake_wechat():
    """The fake WeChat API server process, shared by the session (reset per test by `wechat`)."""
    server = FakeWeChatProcess()
    yield server
    server.stop()


class WeChatActions:
    """What tests do with WeChat: follow the account, talk, sign in to the mini-program, deliver the outbox."""

    def __init__(self, app, client, fake):
        self.app, self.client, self.fake = app, client, fake

    def follower(self, openid: str, *, safe_mode: bool = False) -> OfficialAccountUser:
        from wechatpy.crypto import WeChatCrypto

        crypto = WeChatCrypto(WECHAT_TOKEN, AES_KEY, OA_APP_ID) if safe_mode else None
        return OfficialAccountUser(self.client, openid, token=WECHAT_TOKEN, crypto=crypto)

    def login(self, code: str):
        return self.client.post("/api/v1/auth/wx-login", json={"code": code})

    def bind(self, token: str, name: str, id_number: str, area: str):
        return self.client.post("/api/v1/auth/bind", json={"name": name, "id_number": id_number,
                                                           "insured_area": area},
                                headers={"Authorization": f"Bearer {token}"})

    def deliver(self) -> int:
        """Deliver every due outbox message as the worker does, and return how many were delivered."""
        from backend.worker import dispatch as delivery

        # Rows are stamped by the service clock, so a test's frozen clock finds them due.
        with self.app.app_context():
            return delivery.deliver_pending()

    def follow_bound(self, openid: str, unionid: str, login_code: str, name: str, id_number: str, area: str):
        """Sign in to the mini-program, bind, follow the account: the follower continues as that person."""
        token = self.login(login_code).get_json()["token"]
        assert self.bind(token, name, id_number, area).status_code == 200
        self.fake.set_unionid(openid, unionid)
        user = self.follower(openid)
        user.push(user.xml("event", Event="subscribe"))
        self.deliver()
        return user, token


@pytest.fixture()
def wechat(app, client, fake_wechat):
    """Configure the app for WeChat against the fake server; return WeChatActions."""
    from backend.extensions import limiter

    fake_wechat.reset()
    app.config.update(
        WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_AES_KEY=AES_KEY, WECHAT_APP_ID=MINI_APP_ID, WECHAT_APP_SECRET="mini-secret",
        WECHAT_OA_APP_ID=OA_APP_ID, WECHAT_OA_APP_SECRET="oa-secret", WECHAT_API_BASE_URL=fake_wechat.url,
        WECHAT_SUBSCRIBE_TEMPLATES=",".join(f"{k}={v}" for k, v in TEMPLATES.items()),
    )
    app.extensions["wechat_api"] = None
    limiter.reset()
    return WeChatActions(app, client, fake_wechat)
