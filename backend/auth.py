"""Signed, expiring session tokens for the mini-program API (Authorization: Bearer ...)."""
from __future__ import annotations

import time
from functools import cache

from apiflask import HTTPTokenAuth
from flask import current_app, g
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from backend.extensions import db
from backend.models import WeChatIdentity

SALT = "api-session-v1"

auth = HTTPTokenAuth(scheme="Bearer", description="A session token from wx-login (or `flask dev-token`).")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue_token(identity: WeChatIdentity) -> str:
    """Return a signed token naming the identity; it expires after SESSION_TOKEN_SECONDS."""
    return _serializer().dumps({"a": identity.app_id, "o": identity.openid})


PAGE_CODE_SALT = "page-signin-code-v1"
PAGE_CODE_SECONDS = 60


def issue_page_code(identity: WeChatIdentity) -> str:
    """Return a one-time code (valid PAGE_CODE_SECONDS) that opens a page session for the identity.

    The mini-program's web-view opens /m/auth?code=…: an address ends up in logs, proxies and the
    history, so it carries this short-lived, single-use code, never the 7-day API token.
    """
    import secrets

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PAGE_CODE_SALT).dumps(
        {"a": identity.app_id, "o": identity.openid, "n": secrets.token_urlsafe(12)})


def identity_for_page_code(code: str) -> WeChatIdentity | None:
    """Return the identity a fresh, unused page code names (spending the code), else None."""
    from backend.services.wechat import used_once

    try:
        data = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PAGE_CODE_SALT).loads(
            code, max_age=PAGE_CODE_SECONDS)
    except BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or not used_once.first_use(f"page-code:{data.get('n')}", PAGE_CODE_SECONDS + 5):
        return None
    return db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.app_id == data.get("a"),
                                                          WeChatIdentity.openid == data.get("o")))


def identity_for_token(token: str) -> WeChatIdentity | None:
    """Return the identity a valid, unexpired token names, else None."""
    config = current_app.config
    max_age = config["SESSION_TOKEN_SECONDS"]
    key = (config["SECRET_KEY"], token)
    seen = _verified.get(key)
    if seen is not None and time.time() - seen[1] <= max_age:
        data = seen[0]  # this very token was verified before and has not expired since
    else:
        try:
            data, signed_at = _serializer().loads(token, max_age=max_age, return_timestamp=True)
        except SignatureExpired:
            g.auth_problem = "token_expired"
            return None
        except BadSignature:
            g.auth_problem = "invalid_token"
            return None
        if not isinstance(data, dict):
            return None
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[key] = ({"a": data.get("a"), "o": data.get("o")}, signed_at.timestamp())
    # The identity is read on every call: an unbound or removed identity is never served from memory.
    return db.session.execute(_identity_by_openid(), {"a": data.get("a"), "o": data.get("o")}).scalar()


# Tokens whose signature this process has checked: (secret, token) -> (what it names, when it was signed).
# A phone sends the same token with every message, and checking the signature again each time costs as
# much as the identity's query; only a token this process verified itself is taken from here, and only
# until it expires. Bounded: cleared when full (the next call of each token verifies it again).
_verified: dict[tuple[str, str], tuple[dict, float]] = {}
_VERIFIED_MAX = 10_000


@cache
def _identity_by_openid():
    """The statement every authenticated call runs, built once (building it costs more than running it)."""
    return (select(WeChatIdentity)
            .options(joinedload(WeChatIdentity.person))  # every authenticated call needs the person
            .where(WeChatIdentity.app_id == bindparam("a"), WeChatIdentity.openid == bindparam("o")))


def ensure_identity(openid: str, app_id: str = "dev") -> WeChatIdentity:
    """Return the identity for an openid, creating an unbound one if needed (the caller commits)."""
    identity = db.session.execute(_identity_by_openid(), {"a": app_id, "o": openid}).scalar()
    if identity is None:
        identity = WeChatIdentity(app_id=app_id, openid=openid)
        db.session.add(identity)
        db.session.flush()
    return identity


def current_person():
    """Return the insured person behind the signed-in identity, or refuse until one is bound."""
    from backend.lib.errors import IdentityRequired

    person = auth.current_user.person
    if person is None:
        raise IdentityRequired()
    return person


@auth.verify_token
def _verify(token: str):
    return identity_for_token(token) if token else None
