"""Sending a queued notification over WeChat (the worker's handler for "notification." topics).

The worker calls this with each queued notification. One channel per notification, so a
retry after a transient failure can never send the same news twice on two channels:
1. a mini-program subscribe message, when the person accepted one for this kind (each
   acceptance allows exactly one message, WeChat's one-time subscription rule);
2. otherwise an official-account customer-service message, when they wrote to the
   account in the last 48 hours (WeChat answers 45015 outside that window).
When neither is possible there is nothing to send: the decision is in the mini-program
and the filing list, so retrying or marking the message failed would only add noise; an
audit row records why nothing was sent. Unexpected refusals raise DeliveryFailed.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from backend import messages
from backend.adapters import wechat as wechat_api
from backend.extensions import db
from backend.lib import clock
from backend.models import Filing, Person, WeChatIdentity, WeChatOutboundMessage, WeChatSubscription
from backend.services.filing import audit
from backend.services.console.review_reasons import SHORT, staff_reason
from backend.services.wechat.wechat_login import mini_program_app_id, subscribe_templates
from backend.services.wechat.wechat_messages import official_app_id
from backend.services.wechat.wechat_replies import send_customer_service
from backend.worker.errors import DeliveryFailed, RetryLater

log = logging.getLogger(__name__)

# 43101: the user has not accepted (or has used up) the subscription; 40003/43004: not a user or follower.
SUBSCRIPTION_GONE = (43101, 40003, 43004)
_STATUS_WORDS = {"approved": "已通过", "rejected": "未通过", "pending_review": "审核中", "info_requested": "需补充"}
# WeChat refuses a customer-service text over 2048 bytes (errcode 45002, "content size out of
# limit"); a Chinese character takes 3 bytes, so the reviewer's note (up to 500 characters) gives way.
CUSTOMER_SERVICE_MAX_BYTES = 2048
# A subscribe message's "thing" field holds at most 20 characters.
THING_MAX_CHARS = 20


def notification_text(kind: str, params: dict, lang: str = "zh_CN") -> str:
    """Return the customer-service wording of a notification, with a reviewer's reason and note."""
    filing = _filing(params)
    reference = params.get("reference") or (filing.reference if filing else "")
    if kind == "handoff_delivered" and _is_update(params):
        return messages.text("notify_handoff_updated", lang, reference=reference)
    if kind != "filing_decided":
        return messages.text(f"notify_{kind}", lang, reference=reference)
    status = params.get("status") or (filing.status if filing else "")
    reason = _reason_sentence(params, lang)
    if status == "approved":
        text = messages.text("notify_filing_approved", lang, reference=reference)
    elif status == "rejected" and reason:
        text = messages.text("notify_filing_rejected_because", lang, reference=reference, reason=reason)
    elif status == "info_requested" and reason:
        text = messages.text("notify_filing_info_requested", lang, reference=reference, reason=reason)
    elif status == "rejected":
        text = messages.text("notify_filing_rejected", lang, reference=reference)
    else:
        text = messages.text("notify_filing_other", lang, reference=reference, status=_STATUS_WORDS.get(status, status))
    note = (params.get("note") or "").strip()
    return _with_note(text, "\n" + messages.text("notify_staff_note", lang, note=note)) if note else text


def _reason_sentence(params: dict, lang: str) -> str | None:
    # The sentence stored at decision time is the one the reviewer chose; a later rewording of the
    # template must not change what this decision said.
    stored = params.get("reason_en" if str(lang).lower().startswith("en") else "reason_zh")
    return stored or staff_reason(params.get("reason"), lang)


def _with_note(text: str, note_line: str) -> str:
    """Append the reviewer's note, cut short so the whole text stays within WeChat's byte limit."""
    room = CUSTOMER_SERVICE_MAX_BYTES - len(text.encode("utf-8"))
    encoded = note_line.encode("utf-8")
    if len(encoded) <= room:
        return text + note_line
    ellipsis = "…"
    kept = encoded[:max(0, room - len(ellipsis.encode("utf-8")))].decode("utf-8", "ignore")
    return text + kept + ellipsis


def _is_update(params: dict) -> bool:
    """Whether a hand-off notice is about a later version of a filing already in effect."""
    try:
        return int(params.get("version") or 1) > 1
    except (TypeError, ValueError):
        return False


def _filing(params: dict) -> Filing | None:
    reference = params.get("reference")
    return db.session.scalar(select(Filing).where(Filing.reference == reference)) if reference else None


def _subscribe_data(kind: str, params: dict) -> dict:
    """Fill the template fields (character_string1, phrase2, thing3, time4: see docs/wechat.md)."""
    filing = _filing(params)
    status = params.get("status") or (filing.status if filing else "")
    phrase = {"filing_decided": _STATUS_WORDS.get(status, "已处理"), "handoff_delivered": "已生效",
              "handoff_failed": "处理中"}[kind]
    what = {"filing_decided": "异地就医备案审核结果", "handoff_delivered": "备案已同步到结算系统",
            "handoff_failed": "备案同步暂未完成"}[kind]
    if kind == "handoff_delivered" and _is_update(params):
        what = "备案变更已同步到结算系统"
    if kind == "filing_decided" and params.get("reason") in SHORT:
        # A reviewer's decision: the short reason instead of the topic; the full sentence and the
        # note are one tap away, on the filing the message opens.
        what = SHORT[params["reason"]]
    return {"character_string1": {"value": (params.get("reference") or (filing.reference if filing else ""))[:32]},
            "phrase2": {"value": phrase[:5]}, "thing3": {"value": what[:THING_MAX_CHARS]},
            "time4": {"value": clock.now().astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M")}}


def _try_subscribe(identities: list[WeChatIdentity], kind: str, params: dict) -> bool:
    if kind not in subscribe_templates():
        return False
    for identity in identities:
        row = db.session.scalar(select(WeChatSubscription).where(
            WeChatSubscription.identity_id == identity.id, WeChatSubscription.kind == kind))
        if row is None or row.remaining <= 0:
            continue
        try:
            wechat_api.api().send_subscribe(identity.openid, row.template_id, _subscribe_data(kind, params),
                                            page="pages/filings/index")
        except wechat_api.WeChatError as exc:
            if exc.transient:
                raise RetryLater(str(exc)) from exc
            if exc.errcode in SUBSCRIPTION_GONE:
                row.remaining = 0
                continue
            raise DeliveryFailed(str(exc)) from exc
        row.remaining -= 1
        db.session.add(WeChatOutboundMessage(app_id=identity.app_id, openid=identity.openid, channel="subscribe",
                                             purpose=f"notification.{kind}", sent_at=clock.now()))
        return True
    return False


def deliver_notification(message) -> None:
    """Send a queued notification by subscribe message or customer-service message, or record why not."""
    payload = message.payload
    kind, params = payload["kind"], payload.get("params") or {}
    person = db.session.get(Person, payload["person_id"])
    if person is None:
        return
    identities = list(db.session.scalars(select(WeChatIdentity).where(WeChatIdentity.person_id == person.id)
                                         .order_by(WeChatIdentity.id)))
    mini = [i for i in identities if i.app_id == mini_program_app_id()]
    if _try_subscribe(mini, kind, params):
        return
    text = notification_text(kind, params, person.language)
    for identity in identities:
        if identity.app_id == official_app_id() and identity.subscribed:
            if send_customer_service(identity.app_id, identity.openid, text, f"notification.{kind}"):
                return
    audit.record("notification.not_sent", actor_kind="system", actor_id=None, principal_id=person.id,
                 subject_type="outbox", subject_id=str(message.id), kind=kind,
                 reason="no subscription and outside the 48 h customer-service window")
