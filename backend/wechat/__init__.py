"""GET|POST /wechat: the official account's message endpoint (thin: verify, read, one service call, reply).

WeChat treats anything but a valid reply, "success" or an empty body within 5 seconds as
a failure and shows the user "该公众号暂时无法提供服务", so this route never lets an
exception escape: a bad signature is 403, a body we refuse is 400, anything else answers.
"""
from __future__ import annotations

import logging
import secrets
import time

from flask import Blueprint, Response, current_app, request
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from backend.services.filing import notifications  # noqa: F401
from backend.services.wechat import wechat_login, wechat_messages, wechat_replay, wechat_replies, wechat_xml  # noqa: F401

log = logging.getLogger(__name__)

bp = Blueprint("wechat", __name__)


def _plain(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def _crypto() -> WeChatCrypto | None:
    cfg = current_app.config
    if request.args.get("encrypt_type") != "aes":
        return None
    return WeChatCrypto(cfg["WECHAT_TOKEN"], cfg["WECHAT_AES_KEY"], wechat_messages.official_app_id())


@bp.route("/wechat", methods=["GET", "POST"])
def endpoint():
    """Verify WeChat's signature, then echo (GET) or answer a pushed message (POST)."""
    args = request.args
    if not wechat_xml.signature_ok(current_app.config["WECHAT_TOKEN"], args.get("signature", ""),
                                   args.get("timestamp", ""), args.get("nonce", "")):
        return _plain("forbidden", 403)
    if not wechat_replay.fresh(args["timestamp"]):
        return _plain("forbidden", 403)
    if request.method == "GET":
        return _plain(args.get("echostr", ""))
    if not wechat_replay.first_use(f"wechat:{args['timestamp']}:{args['nonce']}"):
        log.info("refused a replayed WeChat push (nonce already used)")
        return _plain("forbidden", 403)
    if request.content_length is not None and request.content_length > wechat_xml.MAX_BODY_BYTES:
        return _plain("payload too large", 400)
    body = request.stream.read(wechat_xml.MAX_BODY_BYTES + 1)
    try:
        crypto = _crypto()
        message = wechat_xml.parse(body, crypto=crypto, msg_signature=args.get("msg_signature", ""),
                                   timestamp=args.get("timestamp", ""), nonce=args.get("nonce", ""))
    except wechat_xml.BadSignature:
        return _plain("forbidden", 403)
    except wechat_xml.BadMessage as exc:
        log.info("refused a WeChat push: %s", exc)
        return _plain("bad request", 400)
    except (ValueError, AssertionError):  # an unusable WECHAT_AES_KEY
        log.error("safe-mode message but WECHAT_AES_KEY is not a valid EncodingAESKey")
        return _plain("success")
    answer = wechat_messages.answer(message)
    if not answer.text:
        return _plain("success")
    reply = TextReply(message=message, content=answer.text).render()
    if crypto is not None:
        reply = crypto.encrypt_message(reply, secrets.token_hex(8), str(int(time.time())))
    return Response(reply, mimetype="application/xml")


@bp.cli.command("prune")
def prune_command():
    """Delete inbound-message records and dialog message ids older than 3 days (the 48-hour window and a day)."""
    import click

    from backend.services.dialog import message_keys

    removed = wechat_replies.prune_inbound()
    click.echo(f"{removed} old WeChat message records removed")
    # Run daily with the WeChat records: both de-duplicate retries and are kept as long.
    click.echo(f"{message_keys.prune()} old dialog message ids removed")
