"""Read WeChat's XML safely: size cap, no DTDs or entities, signature and safe-mode decryption.

WeChat's push XML never has a DOCTYPE, entity declarations or comments, so any `<!`
outside a CDATA section is refused before a parser sees the body: that rules out
billion-laughs expansion and external entities without trusting the parser's limits.
"""
from __future__ import annotations

import hmac
import re

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.utils import WeChatSigner

MAX_BODY_BYTES = 64 * 1024
MAX_OPENID_CHARS = 128  # WeChat's are 28; the column holds 128
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.S)
_ROOT = re.compile(rb"^\s*(<\?xml[^>]{0,200}\?>\s*)?<xml>", re.S)


class BadMessage(Exception):
    """The body is not a message we accept (too large, a DTD, malformed, undecryptable)."""


class BadSignature(BadMessage):
    """The safe-mode msg_signature does not match: not from WeChat."""


def signature_ok(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    """Return whether WeChat's query signature is right; an empty token never verifies."""
    if not token or not signature or not timestamp or not nonce:
        return False
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return hmac.compare_digest(signer.signature, signature)


def check_xml(body: bytes) -> str:
    """Refuse oversized, DTD-bearing or non-WeChat XML before parsing; return it as text."""
    if len(body) > MAX_BODY_BYTES:
        raise BadMessage("too_large")
    if b"<!" in _CDATA.sub(b"", body):
        raise BadMessage("doctype_or_entity")
    if not _ROOT.match(body):
        raise BadMessage("not_wechat_xml")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadMessage("not_utf8") from None


def parse(body: bytes, *, crypto: WeChatCrypto | None = None, msg_signature: str = "", timestamp: str = "",
          nonce: str = "") -> BaseMessage:
    """Check and parse a pushed message; in safe mode verify msg_signature and decrypt first."""
    text = check_xml(body)
    try:
        if crypto is not None:
            inner = crypto.decrypt_message(text, msg_signature, timestamp, nonce)
            text = check_xml(inner.encode("utf-8") if isinstance(inner, str) else inner)
        message = parse_message(text)
        _check_fields(message)
    except BadMessage:
        raise
    except InvalidSignatureException:
        raise BadSignature("bad_msg_signature") from None
    except InvalidAppIdException:
        raise BadMessage("other_app") from None
    except Exception as exc:  # expat, base64, padding and key errors all mean "not a valid message"
        raise BadMessage(f"malformed: {type(exc).__name__}") from None
    if message is None or not message.source:
        raise BadMessage("malformed: no FromUserName")
    return message


def _check_fields(message: BaseMessage | None) -> None:
    """Refuse a message whose fields we read are not what WeChat sends.

    A repeated or nested element parses as a list or a dict rather than text, and a CreateTime or
    MsgId that is not a number fails only when read: found here, that is a 400, not a failed turn.
    """
    if message is None:
        return
    for name in ("source", "target", "type", "content", "recognition", "event"):
        value = getattr(message, name, None)
        if value is not None and not isinstance(value, str):
            raise BadMessage(f"malformed: {name} is not text")
    if len(message.source or "") > MAX_OPENID_CHARS:
        raise BadMessage("malformed: FromUserName too long")
    # Reading them runs wechatpy's int converter, which raises on text that is not a number.
    if not isinstance(message.id, int) or not isinstance(message.time, int):
        raise BadMessage("malformed: MsgId or CreateTime")
