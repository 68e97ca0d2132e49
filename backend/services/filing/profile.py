"""The signed-in person's own settings (language, large text, phone) and what the chat page shows now."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from backend.auth import ensure_identity
from backend.extensions import db
from backend.lib import clock
from backend.models import Area, DialogSession, Person, WeChatIdentity
from backend.services.filing import audit
from backend.services.dialog import dialog_turns
from backend.lib.errors import DomainError, StaleTurn
from backend.services.unit_of_work import transactional, unit_of_work
from dialogs import nlu

LANGUAGES = ("zh_CN", "en")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")



class InvalidPhone(DomainError):
    """The phone number is not an 11-digit mainland mobile number."""

    code, status = "invalid_phone", 400


def view(person: Person) -> dict:
    """Return the person's profile as any page or API shows it: numbers masked."""
    return {"name": person.name, "id_number": person.id_number_masked, "phone": person.phone_masked,
            "insured_area": person.insured_area_code, "large_text": bool(person.large_text),
            "language": person.language or "zh_CN"}


def own_phone(person: Person) -> str:
    """Return the person's full phone number, for their own edit form only."""
    return person.phone_encrypted or ""


def update_settings(person: Person, *, large_text: bool | None = None, language: str | None = None,
                    phone: str | None = None, channel: str = "h5") -> Person:
    """Change the person's text size, language or phone number (a unit of work)."""
    if language is not None and language not in LANGUAGES:
        raise DomainError("invalid_input", fields="language")
    digits = None
    if phone is not None:
        digits = re.sub(r"[\s-]", "", phone)
        if not _MOBILE.match(digits):
            raise InvalidPhone()
    with unit_of_work():
        if digits is not None and digits != (person.phone_encrypted or ""):
            person.set_phone(digits)
            audit.record("profile.phone_changed", actor_kind="person", actor_id=person.id, principal_id=person.id,
                         subject_type="person", subject_id=str(person.id), channel=channel).at = clock.now()
        if large_text is not None:
            person.large_text = large_text
        if language is not None:
            person.language = language
    return person


@transactional
def end_page_sessions(identity: WeChatIdentity) -> None:
    """Start a new session generation for the identity, ending its page sessions everywhere (a unit of work)."""
    db.session.execute(update(WeChatIdentity).where(WeChatIdentity.id == identity.id)
                       .values(session_generation=WeChatIdentity.session_generation + 1))


@transactional
def dev_identity(openid: str) -> WeChatIdentity:
    """Return the development sign-in's identity for an openid, created (and committed) if new."""
    return ensure_identity(openid, "dev")


def last_reply(identity: WeChatIdentity) -> dict | None:
    """Return the assistant's latest answer in this identity's session (what a reloaded chat shows)."""
    session = db.session.scalar(select(DialogSession).where(DialogSession.user_key == dialog_turns.user_key(identity)))
    if session is None or not session.last_reply:
        return None
    return {**session.last_reply, "version": session.version}


def find_area(text: str) -> tuple[str, str] | None:
    """Return (co-ordination area code, name) for a place name people type ("深圳", "苏州市")."""
    words = (text or "").strip()[:40]
    if not words:
        return None
    ex = nlu.extract(words, today=clock.today(), gazetteer=dialog_turns.gazetteer())
    entry = ex.treatment_area or next(iter(ex.unassigned_areas), None) or ex.insured_area
    if entry is None or not entry.pool_code:
        return None
    area = db.session.get(Area, entry.pool_code)
    return entry.pool_code, area.name if area else entry.name


def send(identity: WeChatIdentity, *, text: str | None = None, choice: int | None = None,
         version: int | None = None, message_id: str | None = None):
    """Apply one page message to the shared dialog session; a stale or concurrent turn is not an error here."""
    user_input = {"choice": choice} if choice is not None else {"text": text or ""}
    try:
        return dialog_turns.handle_turn(identity, user_input, channel="h5", expected_version=version,
                                        message_key=message_id or None)
    except StaleTurn as exc:
        # The page reloads and shows the current question; the stale answer was not applied.
        return exc.params.get("result")


def start_filing(identity: WeChatIdentity):
    """Open the filing flow, leaving any other conversation first (one service call for the page)."""
    current = last_reply(identity)
    if current and current.get("flow") not in (None, "", "filing"):
        send(identity, text="取消")
    elif current and current.get("flow") == "filing":
        return send(identity, text="重新开始")
    return send(identity, text="办理异地就医备案")
