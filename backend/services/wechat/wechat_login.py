"""Mini-program sign-in: code2session, phone number, binding to an insured person, subscribe consents.

session_key never leaves this module: WeChat's rules forbid sending it to the client,
and the phone number API we use (getuserphonenumber with a code) does not need it.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from backend.adapters import wechat as wechat_api
from backend.auth import ensure_identity, issue_token
from backend.extensions import db
from backend.lib import clock, idnumber
from backend.models import Area, OutboxMessage, Person, WeChatIdentity, WeChatSubscription
from backend.services.filing import audit
from backend.services.unit_of_work import unit_of_work
from backend.lib.errors import DomainError, IdentityRequired
from backend.worker.errors import RetryLater

log = logging.getLogger(__name__)

# 40029 invalid code, 40163 code already used, 40226 risky user blocked by WeChat.
INVALID_CODE = (40029, 40163, 40226)
NOTIFICATION_KINDS = ("filing_decided", "handoff_delivered", "handoff_failed")
MAX_PENDING_CONSENTS = 20


class InvalidLoginCode(DomainError):
    """WeChat did not accept the code (expired after 5 minutes, already used, or forged)."""

    code, status = "invalid_login_code", 400


class WeChatUnavailable(DomainError):
    """WeChat could not be reached or answered with a server error."""

    code, status = "wechat_unavailable", 503


class BindingMismatch(DomainError):
    """The name or insured area does not match the person with this ID number."""

    code, status = "binding_mismatch", 400


class AlreadyBound(DomainError):
    """The WeChat account or the insured person is already bound elsewhere."""

    code, status = "already_bound", 409


class InvalidBinding(DomainError):
    """The binding data is not valid (ID number, area)."""

    code, status = "invalid_binding", 400


def mini_program_app_id() -> str:
    """Return the app id under which mini-program openids are stored."""
    return current_app.config.get("WECHAT_APP_ID") or "mini-program"


def _call(func, *args, invalid=InvalidLoginCode):
    try:
        return func(*args)
    except wechat_api.WeChatError as exc:
        if exc.errcode in INVALID_CODE:
            raise invalid() from None
        log.warning("WeChat call failed: %s", exc)
        raise WeChatUnavailable() from None


def person_view(person: Person | None) -> dict | None:
    """Return what the client may see of the bound person (masked)."""
    if person is None:
        return None
    return {"name": person.name_masked, "id_number": person.id_number_masked,
            "insured_area": person.insured_area_code, "phone": person.phone_masked, "large_text": person.large_text}


def login(code: str) -> dict:
    """Exchange a wx.login code for a signed API token; the identity is committed before the token is issued."""
    session = _call(wechat_api.api().code_to_session, code)
    with unit_of_work():
        identity = ensure_identity(session.openid, mini_program_app_id())
        if session.unionid and identity.unionid != session.unionid:
            identity.unionid = session.unionid
        if identity.person_id is None:
            _adopt_binding(identity)
        else:
            _spread_binding(identity)
    return {"token": issue_token(identity),
            "expires_in": current_app.config["SESSION_TOKEN_SECONDS"],
            "bound": identity.person_id is not None, "person": person_view(identity.person)}


def _adopt_binding(identity: WeChatIdentity) -> None:
    """Bind an identity to the person another identity with the same unionid is bound to."""
    if not identity.unionid:
        return
    person_id = db.session.scalar(select(WeChatIdentity.person_id).where(
        WeChatIdentity.unionid == identity.unionid, WeChatIdentity.person_id.is_not(None)).limit(1))
    if person_id is not None:
        identity.person_id = person_id


def _spread_binding(identity: WeChatIdentity) -> None:
    """Bind the person's other unbound identities with the same unionid (official account)."""
    if not identity.unionid:
        return
    for other in db.session.scalars(select(WeChatIdentity).where(
            WeChatIdentity.unionid == identity.unionid, WeChatIdentity.person_id.is_(None),
            WeChatIdentity.id != identity.id)):
        other.person_id = identity.person_id


def bind_phone(identity: WeChatIdentity, code: str) -> dict:
    """Store the phone number WeChat confirms for the signed-in person (asked before the unit of work opens)."""
    person = identity.person
    if person is None:
        raise IdentityRequired()
    phone = _call(wechat_api.api().phone_number, code, invalid=lambda: InvalidLoginCode("invalid_phone_code"))
    if not phone.isdigit() or not 5 <= len(phone) <= 20:
        raise WeChatUnavailable()
    with unit_of_work():
        person.set_phone(phone)
        audit.record("person.phone_set", actor_kind="person", actor_id=person.id, principal_id=person.id,
                     subject_type="person", subject_id=str(person.id), channel="miniprogram")
    return {"phone": person.phone_masked}


def bind_person(identity: WeChatIdentity, name: str, id_number: str, insured_area: str) -> dict:
    """Bind the WeChat identity to an insured person (name + ID number + insured area).

    A unit of work of its own from the API; inside the chat's turn (dialog_people.bind) it is part of the
    turn's transaction. A refusal is audited in a unit of work that ends before the refusal is raised, so it is kept.
    """
    name = name.strip()
    try:
        number = idnumber.validate(id_number)
    except idnumber.InvalidIdNumber as exc:
        raise InvalidBinding(reason=exc.reason) from None
    area = db.session.get(Area, insured_area.strip())
    if area is None:
        raise InvalidBinding(reason="unknown_area")
    pool = area.pool_code or area.code
    existing = db.session.scalar(select(Person).where(Person.id_number_hash == Person.hash_for(number)))
    if identity.person_id is not None:
        if existing is not None and existing.id == identity.person_id:
            return {"bound": True, "person": person_view(existing)}
        raise AlreadyBound(reason="account_bound")
    if existing is not None:
        if existing.name != name or existing.insured_area_code != pool:
            # One answer for either mismatch, so the endpoint cannot be used to learn who is insured where.
            with unit_of_work():
                _audit_refusal(identity, existing.id, "mismatch")
            raise BindingMismatch()
        taken = db.session.scalar(select(WeChatIdentity.id).where(
            WeChatIdentity.person_id == existing.id, WeChatIdentity.app_id == identity.app_id))
        if taken is not None:
            with unit_of_work():
                _audit_refusal(identity, existing.id, "person_bound")
            raise AlreadyBound(reason="person_bound")
    with unit_of_work():
        if existing is not None:
            person = existing
        else:
            person = Person(name=name, insured_area_code=pool)
            person.set_id_number(number)
            db.session.add(person)
            db.session.flush()
        identity.person_id = person.id
        identity.person = person
        _spread_binding(identity)
        audit.record("wechat.bound", actor_kind="person", actor_id=person.id, principal_id=person.id,
                     subject_type="wechat_identity", subject_id=str(identity.id), channel="miniprogram",
                     id_number=person.id_number_masked, created=existing is None)
    return {"bound": True, "person": person_view(person)}


def _audit_refusal(identity: WeChatIdentity, person_id: int, why: str) -> None:
    audit.record("wechat.bind_refused", actor_kind="wechat_identity", actor_id=identity.id, principal_id=person_id,
                 subject_type="wechat_identity", subject_id=str(identity.id), channel="miniprogram", reason=why)


def subscribe_templates() -> dict[str, str]:
    """Return {kind: template_id} from WECHAT_SUBSCRIBE_TEMPLATES ("kind=id,kind=id")."""
    pairs = (item.split("=", 1) for item in current_app.config.get("WECHAT_SUBSCRIBE_TEMPLATES", "").split(",")
             if "=" in item)
    return {k.strip(): v.strip() for k, v in pairs if k.strip() in NOTIFICATION_KINDS and v.strip()}


def record_subscriptions(identity: WeChatIdentity, results: dict[str, str]) -> dict:
    """Count the one-time consents from wx.requestSubscribeMessage ({template_id: "accept"|...})."""
    by_template = {v: k for k, v in subscribe_templates().items()}
    with unit_of_work():
        for template_id, status in results.items():
            kind = by_template.get(template_id)
            if kind is None or status != "accept":
                continue
            row = db.session.scalar(select(WeChatSubscription).where(
                WeChatSubscription.identity_id == identity.id, WeChatSubscription.kind == kind))
            if row is None:
                row = WeChatSubscription(identity_id=identity.id, kind=kind, template_id=template_id, remaining=0)
                db.session.add(row)
            row.template_id = template_id
            row.remaining = min(MAX_PENDING_CONSENTS, (row.remaining or 0) + 1)
            row.updated_at = clock.now()
    rows = db.session.scalars(select(WeChatSubscription).where(WeChatSubscription.identity_id == identity.id))
    return {"subscriptions": {r.kind: r.remaining for r in rows}}


def link_identity(message: OutboxMessage) -> None:
    """Learn a new follower's unionid and bind them like their bound mini-program identity."""
    payload = message.payload
    identity = db.session.scalar(select(WeChatIdentity).where(
        WeChatIdentity.app_id == payload["app_id"], WeChatIdentity.openid == payload["openid"]))
    if identity is None or identity.person_id is not None:
        return
    try:
        unionid = wechat_api.api().unionid(identity.openid)
    except wechat_api.WeChatError as exc:
        if exc.transient:
            raise RetryLater(str(exc)) from exc
        return  # e.g. 40003: no longer a follower; nothing to link
    if unionid:
        identity.unionid = unionid
        _adopt_binding(identity)
