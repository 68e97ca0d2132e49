"""Mini-program sign-in: POST /auth/wx-login, /auth/phone, /auth/bind, /auth/subscriptions."""
from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, Nested, String
from apiflask.validators import Length, Regexp
from flask import current_app

from backend.api.blueprint import bp
from backend.api.schemas import RATE_LIMITED, UNBOUND
from backend.auth import auth
from backend.extensions import limiter
from backend.services.wechat import wechat_login


def login_rate_limit() -> str:
    """Return the per-address limit on wx-login (every call costs a WeChat API call)."""
    return current_app.config["WECHAT_LOGIN_RATE_LIMIT"]


def bind_rate_limit() -> str:
    """Return the per-account limit on binding attempts (guessing ID numbers must be slow)."""
    return current_app.config["WECHAT_BIND_RATE_LIMIT"]


def _identity_key() -> str:
    user = auth.current_user
    return f"wx-identity:{user.id}" if user is not None else "wx-identity:none"


class CodeIn(Schema):
    code = String(required=True, validate=Length(min=1, max=128),
                  metadata={"description": "The code from wx.login (or from getPhoneNumber for /auth/phone)."})


class PersonOut(Schema):
    name = String(metadata={"description": "masked (王*)"})
    id_number = String(metadata={"description": "masked"})
    insured_area = String()
    phone = String(allow_none=True, metadata={"description": "masked"})
    large_text = Boolean()


class LoginOut(Schema):
    token = String(metadata={"description": "Bearer token for the API; session_key is never sent."})
    expires_in = Integer(metadata={"description": "seconds"})
    bound = Boolean(metadata={"description": "whether the WeChat identity is bound to an insured person"})
    person = Nested(PersonOut, allow_none=True)


class PhoneOut(Schema):
    phone = String(metadata={"description": "masked"})


class BindIn(Schema):
    name = String(required=True, validate=Length(min=1, max=64))
    id_number = String(required=True, validate=Length(min=15, max=24),
                       metadata={"description": "18-character resident ID number (GB 11643 checksum)"})
    insured_area = String(required=True, validate=Regexp(r"^\d{6}$"),
                          metadata={"description": "6-digit area code where the person is insured"})


class BindOut(Schema):
    bound = Boolean()
    person = Nested(PersonOut)


class SubscriptionsIn(Schema):
    results = Dict(keys=String(validate=Length(max=64)), values=String(validate=Length(max=16)), required=True,
                   metadata={"description": "wx.requestSubscribeMessage's answer: {template_id: accept|reject|ban}"})


class SubscriptionsOut(Schema):
    subscriptions = Dict(keys=String(), values=Integer(), metadata={"description": "messages still allowed per kind"})


@bp.post("/auth/wx-login")
@limiter.limit(login_rate_limit)
@bp.input(CodeIn, arg_name="body")
@bp.output(LoginOut)
@bp.doc(summary="Sign in with a wx.login code",
        responses={400: "invalid or used code", 429: RATE_LIMITED, 503: "WeChat unreachable"})
def wx_login(body):
    """Exchange a wx.login code for an API token."""
    return wechat_login.login(body["code"])


@bp.post("/auth/phone")
@bp.auth_required(auth)
@limiter.limit(login_rate_limit)
@bp.input(CodeIn, arg_name="body")
@bp.output(PhoneOut)
@bp.doc(summary="Store the phone number WeChat confirms (getPhoneNumber code)",
        responses={400: "invalid or used code", 403: UNBOUND, 429: RATE_LIMITED, 503: "WeChat unreachable"})
def phone(body):
    """Store the signed-in person's phone number from a getPhoneNumber code."""
    return wechat_login.bind_phone(auth.current_user, body["code"])


@bp.post("/auth/bind")
@bp.auth_required(auth)
@limiter.limit(bind_rate_limit, key_func=_identity_key)
@limiter.limit(login_rate_limit)
@bp.input(BindIn, arg_name="body")
@bp.output(BindOut)
@bp.doc(summary="Bind the WeChat identity to an insured person (name, ID number, insured area)",
        responses={400: "mismatch or invalid data", 409: "already bound", 429: "too many attempts"})
def bind(body):
    """Bind the signed-in WeChat identity to an insured person."""
    return wechat_login.bind_person(auth.current_user, body["name"], body["id_number"], body["insured_area"])


class PageCodeOut(Schema):
    code = String(metadata={"description": "one-time code, valid 60 seconds"})
    url = String(metadata={"description": "the address for the web-view: /m/auth?code=…"})
    expires_in = Integer(metadata={"description": "seconds"})


@bp.post("/auth/page-code")
@bp.auth_required(auth)
@limiter.limit(login_rate_limit)
@bp.output(PageCodeOut)
@bp.doc(summary="A one-time code that opens the H5 pages signed in (for the web-view)",
        responses={429: RATE_LIMITED})
def page_code():
    """Exchange the API token for a one-time, 60-second code the web-view opens /m/auth with."""
    from backend.auth import PAGE_CODE_SECONDS, issue_page_code

    code = issue_page_code(auth.current_user)
    return {"code": code, "url": f"/m/auth?code={code}", "expires_in": PAGE_CODE_SECONDS}


@bp.post("/auth/subscriptions")
@bp.auth_required(auth)
@bp.input(SubscriptionsIn, arg_name="body")
@bp.output(SubscriptionsOut)
@bp.doc(summary="Record the subscribe-message consents the user just gave")
def subscriptions(body):
    """Count the one-time subscribe-message consents from wx.requestSubscribeMessage."""
    return wechat_login.record_subscriptions(auth.current_user, body["results"])
