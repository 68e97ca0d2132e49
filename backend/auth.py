"""Signed, expiring session tokens for the mini-program API (Authorization: Bearer ...)."""
from __future__ import annotations

from apiflask import HTTPTokenAuth
from flask import current_app, g
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from backend.extensions import db
from backend.models import WeChatIdentity

SALT = "api-session-v1"
DEFAULT_MAX_AGE = 7 * 24 * 3600

auth = HTTPTokenAuth(scheme="Bearer", description="A session token from wx-login (or `flask dev-token`).")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue_token(identity: WeChatIdentity) -> str:
    """Return a signed token naming the identity; it expires after SESSION_TOKEN_SECONDS."""
    return _serializer().dumps({"a": identity.app_id, "o": identity.openid})


def identity_for_token(token: str) -> WeChatIdentity | None:
    """Return the identity a valid, unexpired token names, else None."""
    max_age = current_app.config.get("SESSION_TOKEN_SECONDS", DEFAULT_MAX_AGE)
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        g.auth_problem = "token_expired"
        return None
    except BadSignature:
        g.auth_problem = "invalid_token"
        return None
    if not isinstance(data, dict):
        return None
    return db.session.scalar(
        select(WeChatIdentity)
        .options(joinedload(WeChatIdentity.person))  # every authenticated call needs the person
        .where(WeChatIdentity.app_id == data.get("a"), WeChatIdentity.openid == data.get("o"))
    )


def ensure_identity(openid: str, app_id: str = "dev") -> WeChatIdentity:
    """Return the identity for an openid, creating an unbound one if needed (the caller commits)."""
    identity = db.session.scalar(
        select(WeChatIdentity)
        .options(joinedload(WeChatIdentity.person))  # every caller goes on to read the person
        .where(WeChatIdentity.app_id == app_id, WeChatIdentity.openid == openid)
    )
    if identity is None:
        identity = WeChatIdentity(app_id=app_id, openid=openid)
        db.session.add(identity)
        db.session.flush()
    return identity


def current_person():
    """Return the insured person behind the signed-in identity, or refuse until one is bound."""
    from backend.services.errors import IdentityRequired

    person = auth.current_user.person
    if person is None:
        raise IdentityRequired()
    return person


@auth.verify_token
def _verify(token: str):
    return identity_for_token(token) if token else None
