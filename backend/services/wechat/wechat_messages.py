"""Official-account messages: deduplicate WeChat's retries, run the dialog turn, answer in time.

WeChat waits 5 seconds for an answer and then re-sends the same message (up to 3
times); if none of them is answered in time the user sees "该公众号暂时无法提供服务".
So every message is recorded by MsgId (events by FromUserName + CreateTime) in the same
transaction as its turn, as that transaction's last write (so SQLite's write lock is not held
while the engine runs): a retry cannot insert it again, its own run of the turn is undone, and it
gets the reply the first one produced. A turn runs on a worker thread; when it is not done after
WECHAT_REPLY_DEADLINE seconds (4 by default) we answer "success" (which stops the
retries) and the reply follows as customer-service messages when the turn ends.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from wechatpy.messages import BaseMessage

from backend import messages
from backend.auth import ensure_identity
from backend.extensions import db
from backend.lib import clock
from backend.models import DialogSession, WeChatIdentity, WeChatInboundMessage
from backend.services.filing import audit, outbox
from backend.services.dialog import dialog_turns
from backend.services.wechat import wechat_images, wechat_replies
from backend.services.unit_of_work import unit_of_work
from backend.lib.errors import DomainError, StaleTurn

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2000
CHANNEL = "wechat"
_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wechat-turn")


@dataclass
class Answer:
    """What to answer WeChat: a text reply, or nothing ("success")."""

    text: str | None
    repeated: bool = False
    follow_ups: tuple[str, ...] = ()   # the rest of a long reply, for customer-service messages


def dedup_key(message: BaseMessage) -> str:
    """Return the retry key: MsgId for messages, sender + CreateTime + event (or type) for the rest."""
    if message.type == "event" or getattr(message, "event", None):
        return f"evt:{message.source}:{message.time}:{getattr(message, 'event', '')}"
    if not message.id:
        # A push without MsgId (as WeChat sends some kinds) would otherwise share "msg:0" with every
        # other one, and a second person's message would be taken for a retry and dropped.
        return f"nomsgid:{message.source}:{message.time}:{message.type}"
    return f"msg:{message.id}"


def official_app_id() -> str:
    """Return the app id under which official-account openids are stored."""
    cfg = current_app.config
    return cfg.get("WECHAT_OA_APP_ID") or cfg.get("WECHAT_APP_ID") or "official-account"


def answer(message: BaseMessage) -> Answer:
    """Handle a verified, parsed message within WeChat's time limit."""
    app = current_app._get_current_object()
    deadline = float(app.config["WECHAT_REPLY_DEADLINE"])
    job = _Job()
    future = _EXECUTOR.submit(_run, app, job, message)
    try:
        if deadline <= 0:
            raise FutureTimeout()
        return future.result(timeout=deadline)
    except FutureTimeout:
        with job.lock:
            if job.answer is not None:
                return job.answer
            job.gave_up = True
        log.warning("wechat turn for %s took longer than %.1fs: answered success, reply follows", message.id, deadline)
        return Answer(None)


class _Job:
    """Shared between the request and the turn thread: who delivers the reply."""

    def __init__(self):
        self.lock = threading.Lock()
        self.gave_up = False
        self.answer: Answer | None = None


def _run(app: Flask, job: _Job, message: BaseMessage) -> Answer:
    with app.app_context():
        try:
            result = _handle(message)
        except Exception:
            log.exception("wechat message %s failed", dedup_key(message))
            db.session.rollback()
            result = Answer(messages.text("wechat_error"))
        with job.lock:
            late = job.gave_up
            if not late:
                job.answer = result
        # After "success" the whole reply goes out as customer-service messages; otherwise only
        # what did not fit in the passive reply.
        parts = ([result.text] if late and result.text else []) + list(result.follow_ups)
        if parts and not result.repeated:
            try:
                app_id = official_app_id()
                with unit_of_work():  # its commit wakes the worker (backend/adapters/queue.py)
                    wechat_replies.queue_customer_service(app_id, message.source, parts,
                                                          key=f"{app_id}:{dedup_key(message)}")
            except Exception:
                log.exception("could not queue the follow-up reply for %s", dedup_key(message))
                db.session.rollback()
        return result


_RECORD = insert(WeChatInboundMessage.__table__)  # built once: every message is recorded


def _record(app_id: str, message: BaseMessage, key: str) -> bool:
    """Record the message in the current transaction; False when WeChat already sent it."""
    kind = message.type if message.type != "event" else f"event:{getattr(message, 'event', '')}"
    try:
        db.session.connection().execute(_RECORD, {"app_id": app_id, "dedup_key": key[:200], "openid": message.source,
                                                  "kind": kind[:32], "received_at": clock.now()})
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _identity(app_id: str, openid: str) -> WeChatIdentity:
    return ensure_identity(openid, app_id)


def _handle(message: BaseMessage) -> Answer:
    app_id = official_app_id()
    key = dedup_key(message)
    if message.type == "event":
        return _handle_event(app_id, message, key)
    if message.type == "image":
        text, repeated = wechat_images.answer(message, lambda: _identity(app_id, message.source),
                                              lambda: _record(app_id, message, key))
        return Answer(text, repeated=repeated)
    text = _text_of(message)
    if text is None:
        with unit_of_work():
            first = _record(app_id, message, key)
            identity = _identity(app_id, message.source)
        lang = identity.person.language if identity.person else "zh_CN"
        guidance = "wechat_voice_unclear" if message.type == "voice" else "wechat_unsupported"
        return Answer(messages.text(guidance, lang), repeated=not first)
    identity = _identity(app_id, message.source)

    def record() -> None:
        if not _record(app_id, message, key):
            raise IntegrityError("wechat message already recorded", None, Exception(key))

    return _turn(identity, text, key, identity.person.language if identity.person else "zh_CN", record)


def _text_of(message: BaseMessage) -> str | None:
    if message.type == "text":
        return (message.content or "").strip()[:MAX_TEXT_CHARS] or None
    if message.type == "voice":
        # WeChat's speech recognition (when enabled for the account) arrives as Recognition.
        return (message.recognition or "").strip().rstrip("。")[:MAX_TEXT_CHARS] or None
    return None


def _turn(identity: WeChatIdentity, text: str, key: str, lang: str, record: Callable[[], None]) -> Answer:
    app_id, openid = identity.app_id, identity.openid
    try:
        result = dialog_turns.handle_turn(identity, {"text": text}, channel=CHANNEL, message_key=key,
                                          in_transaction=record)
    except StaleTurn as exc:
        # Either WeChat's retry of a message whose turn ran meanwhile (it has been recorded:
        # answer what that turn answered), or a concurrent message on the same session.
        if db.session.scalar(select(WeChatInboundMessage.id).where(
                WeChatInboundMessage.app_id == app_id, WeChatInboundMessage.dedup_key == key[:200])) is not None:
            return _repeated_turn(app_id, openid, key)
        stale = exc.params.get("result")
        return Answer(_first_part(stale) if stale else messages.text("wechat_busy", lang), repeated=True)
    except DomainError as exc:
        db.session.rollback()
        return Answer(messages.text(exc.code, lang, **exc.params))
    if result.repeated:
        # A MsgId the session already applied: repeat its reply only while it is still the last one.
        # WeChat shows a passive reply as a new message, and an old question below newer ones misleads.
        return _repeated_turn(app_id, openid, key)
    parts = wechat_replies.chat_parts(result.text, large=result.large_text, lang=result.language)
    return Answer(parts[0], repeated=result.repeated, follow_ups=tuple(parts[1:]))


def _first_part(result) -> str:
    return wechat_replies.chat_parts(result.text, large=result.large_text, lang=result.language)[0]


def _repeated_turn(app_id: str, openid: str, key: str) -> Answer:
    """Answer a retry of a message whose turn already ran with the reply it produced."""
    identity = db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.app_id == app_id,
                                                               WeChatIdentity.openid == openid))
    session = db.session.scalar(select(DialogSession).where(
        DialogSession.user_key == dialog_turns.user_key(identity))) if identity else None
    if session is None or session.last_turn_key != key or not session.last_reply:
        return Answer(None, repeated=True)  # the user has moved on: "success" shows nothing
    reply = session.last_reply
    parts = wechat_replies.chat_parts(reply["text"], large=reply.get("large_text", False),
                                      lang=reply.get("language", "zh_CN"))
    return Answer(parts[0], repeated=True)


def _handle_event(app_id: str, message: BaseMessage, key: str) -> Answer:
    event = getattr(message, "event", "")
    with unit_of_work():
        first = _record(app_id, message, key)
        identity = _identity(app_id, message.source)
        if first:
            if event in ("subscribe", "subscribe_scan"):
                identity.subscribed = True
                if identity.person_id is None:
                    # Learn the follower's unionid in the background: it links them to a mini-program
                    # identity that is already bound, so they continue the same conversation.
                    outbox.enqueue("wechat.link_identity", "wechat_user", f"{app_id}:{message.source}"[:64],
                                   {"app_id": app_id, "openid": message.source}, key=f"link:{app_id}:{key}"[:128])
            elif event == "unsubscribe":
                identity.subscribed = False
                audit.record("wechat.unsubscribed", actor_kind="person", actor_id=identity.person_id,
                             principal_id=identity.person_id, subject_type="wechat_identity",
                             subject_id=str(identity.id), channel=CHANNEL)
    lang = identity.person.language if identity.person else "zh_CN"
    if event in ("subscribe", "subscribe_scan"):
        bound = identity.person_id is not None
        return Answer(messages.text("wechat_welcome" if bound else "wechat_welcome_unbound", lang),
                      repeated=not first)
    return Answer(None, repeated=not first)


