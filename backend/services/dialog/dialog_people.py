"""The conversation's effects about people: their filings listed, their language, binding, call-backs.

Kept apart from dialog_turns.py (the turn itself) so each stays small; these run inside the turn's
transaction like every other effect.
"""
from __future__ import annotations

from flask import current_app
from limits import parse_many
from sqlalchemy import select, update

from backend.extensions import db, limiter
from backend.lib import clock, idnumber
from backend.models import DialogSession, Document, Filing, Person, WeChatIdentity
from backend.services.dialog.gazetteer import area_name
from backend.services.filing import audit, documents, filings, paper_requests
from backend.services.wechat import wechat_login
from backend.lib.errors import DomainError
from backend.lib.masking import mask_phone
from dialogs.types import BindIdentity, Choice, Reply, RequestCallback, ShowFilings


def filings_reply(person: Person, effect: ShowFilings) -> Reply:
    """List the person's filings (or one member's): status in plain words, who filed each and when."""
    consented = filings.consented_links(person)
    links = {k.member_person_id: k for k in consented}
    rows = filings.visible_filings(person, consented)
    focus = None
    if effect.principal and effect.principal.startswith("member:"):
        focus = int(effect.principal.partition(":")[2])
        rows = [f for f in rows if f.principal_person_id == focus]
    elif effect.principal == "self":
        rows = [f for f in rows if f.principal_person_id == person.id]
    # Ended filings only clutter the answer to "办好了吗": show the active ones, else the latest few.
    active = [f for f in rows if f.status in ("pending_review", "info_requested", "approved")]
    rows = (active or rows)[:10]
    params: dict = {"who": effect.who, "papers_asked": effect.papers}
    if focus is not None and focus in links:
        params.update(for_relation=links[focus].relation, for_name=links[focus].member.name_masked)
    if not rows:
        return Reply("common.filings_empty", params)
    today = clock.today()
    items = []
    for f in rows:
        link = links.get(f.principal_person_id)
        items.append({
            **filings.summary(f, viewer=person), "treatment": area_name(f.treatment_area_code, person.language or "zh_CN"),
            "start": f.start_date.isoformat(), "end": f.end_date.isoformat() if f.end_date else None,
            "submitted_on": f.submitted_at.astimezone(clock.CHINA).date().isoformat(),
            "in_effect": f.start_date <= today,
            # Seen from the person asking: a filing they made (for a member too) was made by "you" ("self"); one
            # the member made herself is "member_self" (母亲本人), never "you".
            **({"filed_by": "self"} if f.actor_person_id == person.id else
               {"filed_by": "member_self"} if f.actor_person_id == f.principal_person_id else {}),
            "for_relation": link.relation if link else None, "for_name": link.member.name_masked if link else None,
            "papers": _papers(f, person.language or "zh_CN"),
            # Signed a promise letter instead of papers: nothing to send (said when papers are asked about).
            "letter": "commitment_letter" in (f.materials or []),
            "decided": None if f.status not in ("approved", "rejected") else (
                "auto" if f.decision_mode == "auto" else "staff"),
        })
    return Reply("common.filings_list", {**params, "filings": items})


def _papers(filing: Filing, lang: str) -> dict | None:
    """What a filing under review has received and still waits for ("材料齐了没"), when it goes with papers."""
    if filing.status not in documents.OPEN_STATUSES:
        return None
    received = list(dict.fromkeys(db.session.scalars(
        select(Document.material_code).where(Document.filing_id == filing.id, Document.deleted_at.is_(None))
        .order_by(Document.id))))
    if "documents" not in (filing.materials or []) and not received:
        return None
    missing = paper_requests.needed_for_filing(filing)
    return {"received": [documents.material_name(c, lang) for c in received],
            "missing": [documents.material_name(c, lang) for c in missing],
            "asked": paper_requests.requested_material(filing) is not None}


def bind_limit_hit(identity: WeChatIdentity) -> bool:
    """Count one binding attempt in the chat; True when the person is over the limit.

    The same limit as POST /api/v1/auth/bind (WECHAT_BIND_RATE_LIMIT): guessing ID numbers must be as
    slow in the conversation as through the API.
    """
    rule = current_app.config.get("WECHAT_BIND_RATE_LIMIT", "5/hour;10/day")
    return not all(limiter.limiter.hit(item, "dialog-bind", str(identity.id)) for item in parse_many(rule))


def bind(identity: WeChatIdentity, effect: BindIdentity, session_id: int, offered: list, lang: str | None = None) -> Reply:
    """Bind through the same service as the API; the session follows the person it now belongs to."""
    if bind_limit_hit(identity):
        return Reply("bind.refused", {"reason": "rate_limited"})
    old_key = f"wx:{identity.app_id}:{identity.openid}"
    try:
        result = wechat_login.bind_person(identity, effect.name, effect.id_number, effect.insured_area)
    except wechat_login.BindingMismatch:
        return Reply("bind.refused", {"reason": "mismatch"})
    except wechat_login.AlreadyBound:
        return Reply("bind.refused", {"reason": "already_bound"})
    except DomainError:
        return Reply("bind.refused", {"reason": "invalid"})
    if lang and identity.person is not None and identity.person.language != lang:
        identity.person.language = lang  # the language chosen before binding stays the person's
    new_key = f"person:{identity.person_id}"
    taken = db.session.scalar(select(DialogSession.id).where(DialogSession.user_key == new_key))
    if taken is None:
        # What was said before binding (memory, the request that needed it) carries on as the person's.
        db.session.execute(update(DialogSession).where(DialogSession.id == session_id, DialogSession.user_key == old_key)
                           .values(user_key=new_key).execution_options(synchronize_session=False))
    person = result["person"]
    choices = tuple(Choice(value, "bind.choice_continue") for value in offered[:1])
    return Reply("bind.done", {"name": person["name"], "area": area_name(person["insured_area"], lang or "zh_CN"),
                               "next": bool(choices)}, choices)


def check_id_number(raw: str) -> str | None:
    """Return None for a valid ID number, else the reason code (one home: backend/lib/idnumber.py)."""
    try:
        idnumber.validate(raw)
    except idnumber.InvalidIdNumber as exc:
        return exc.reason
    return None


def request_callback(person: Person | None, effect: RequestCallback, channel: str) -> None:
    """Record a call-back request; a number left for it is kept on the person (encrypted, masked in logs)."""
    if person is not None and effect.phone and not person.phone_masked:
        person.set_phone(effect.phone)
    audit.record("callback.requested", actor_kind="person", actor_id=person.id if person else None,
                 principal_id=person.id if person else None, subject_type="dialog", channel=channel,
                 flow=effect.flow, step=effect.step,
                 phone=mask_phone(effect.phone) if effect.phone else None)
