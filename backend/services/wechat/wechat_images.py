"""A photo sent to the official account: fetched from WeChat by its MediaId and kept as the paper being asked for.

The paper it stands for is the one the conversation asks for (a filing being prepared the documents way) or,
without one, the one a filing waits for (a reviewer's request first): services/filing/paper_requests.py decides.
The reply says what was received and what is still missing. The message is recorded (and committed) before
WeChat is asked for the file: fetching and re-encoding a photo may outlast WeChat's 5 seconds, and a retry
of the same message must not store it twice (it answers "success"; the reply follows as a
customer-service message, as for any slow turn).
"""
from __future__ import annotations

import io
import logging
from collections.abc import Callable

from backend import messages
from backend.adapters import wechat as wechat_api
from backend.extensions import db
from backend.models import Filing, WeChatIdentity
from backend.services.filing import documents, paper_requests
from backend.services.unit_of_work import unit_of_work
from backend.lib.errors import DomainError

log = logging.getLogger(__name__)

CHANNEL = "wechat"
MAX_MEDIA_ID_CHARS = 128


def answer(message, identity_of: Callable[[], WeChatIdentity], record: Callable[[], bool]) -> tuple[str | None, bool]:
    """Keep an image message as a paper when one is asked for; return (reply text, whether it is a retry)."""
    with unit_of_work(separately=True):  # recorded before the slow fetch: a retry sees it at once
        first = record()
        identity = identity_of()
    if not first:
        return None, True
    person = identity.person
    lang = (person.language if person else None) or "zh_CN"
    target = paper_requests.next_target(person) if person is not None else None
    media_id = getattr(message, "media_id", None)
    if target is None or not isinstance(media_id, str) or not 0 < len(media_id) <= MAX_MEDIA_ID_CHARS:
        return messages.text("wechat_image_not_waiting", lang), False
    try:
        data = wechat_api.api().download_media(media_id)
    except wechat_api.WeChatError as exc:
        log.warning("could not fetch an image message's media: %s", exc)
        return messages.text("wechat_image_fetch_failed", lang), False
    try:
        paper_requests.save_from_chat(person, target, io.BytesIO(data), channel=CHANNEL, content_length=len(data))
    except DomainError as exc:
        db.session.rollback()
        return messages.text(exc.code, lang, **exc.params), False
    return _receipt(person, target, lang), False


def _receipt(person, target: paper_requests.Target, lang: str) -> str:
    """Say which paper was kept and what is still missing (or that the papers are complete)."""
    received = messages.text("wechat_image_received", lang, material=documents.material_name(target.material, lang))
    if target.reference is None:
        missing = paper_requests.draft_needed(person) or []
        done = "wechat_image_complete_draft"
    else:
        filing = db.session.scalar(db.select(Filing).where(Filing.reference == target.reference))
        missing = paper_requests.needed_for_filing(filing)
        done = "wechat_image_complete_filing"
    if not missing:
        return received + "\n" + messages.text(done, lang)
    names = (", " if lang.startswith("en") else "、").join(documents.material_name(code, lang) for code in missing)
    return received + "\n" + messages.text("wechat_image_still_missing", lang, missing=names)
