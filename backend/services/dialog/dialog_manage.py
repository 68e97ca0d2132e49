"""Cancel and change a filing from the chat: the filing service acts, and the reply says what happened.

The engine's CancelFiling / ChangeFiling effects arrive here only after an explicit confirmation.
The service checks access and the insured area's lock again (the world may have moved since the
question was asked); every refusal becomes a truthful reply, never an error page in a chat.
A change is a new version that replaces the old filing (filings.change_filing): approved at once,
the old one is superseded in the same transaction; sent to review, the old one stays valid until
the review approves the new one (review._supersede_replaced).
"""
from __future__ import annotations

from datetime import date

from backend.lib import clock
from backend.models import Filing, Person
from backend.rules import filing_decision as rules
from backend.services.dialog.gazetteer import area_name
from backend.services.filing import filings
from backend.lib.errors import DomainError, FilingLocked, FilingNotActive, NotFound
from dialogs.types import CancelFiling, ChangeFiling, Reply

CHANNEL = "dialog"


def _day(d: date | None) -> dict | None:
    # The prompts take dates in parts, as the flows give them (dialogs/flows/manage.py).
    return {"iso": d.isoformat(), "y": d.year, "m": d.month, "d": d.day} if d else None


def _target(person: Person, effect: CancelFiling | ChangeFiling) -> Filing:
    """Return the confirmed filing, provided it still belongs to the principal it was chosen for."""
    filing = filings.get_filing(person, effect.reference)
    principal, _link = filings.resolve_principal(person, effect.principal)
    if filing.principal_person_id != principal.id:
        raise NotFound("filing_not_found", reference=effect.reference)
    return filing


def _whose(person: Person, filing: Filing) -> dict:
    if filing.principal_person_id == person.id:
        return {"principal": "self", "principal_name": None}
    link = next((k for k in filings.consented_links(person) if k.member_person_id == filing.principal_person_id), None)
    return {"principal": link.relation if link else "other", "principal_name": link.member.name_masked if link else None}


def _locked(family: str, person: Person, filing: Filing, exc: FilingLocked) -> Reply:
    lock = exc.params.get("lock_until")
    return Reply(f"{family}.locked", {
        **_whose(person, filing), "reference": filing.reference, "area": area_name(filing.treatment_area_code),
        "category": filing.category, "start": _day(filing.start_date),
        "lock_until": _day(date.fromisoformat(lock) if isinstance(lock, str) else lock),
        "insured": area_name(filing.insured_area_code),
    })


def cancel_reply(person: Person, effect: CancelFiling, lang: str) -> Reply:
    """Cancel the confirmed filing and say so: the new status and what it means from now on."""
    filing = None
    try:
        filing = _target(person, effect)
        was = filing.status
        filings.cancel_filing(person, effect.reference, channel=CHANNEL)
    except FilingLocked as exc:
        return _locked("cancel", person, filing, exc)
    except FilingNotActive as exc:
        return Reply("cancel.not_active", {"reference": effect.reference, "status": exc.params.get("status")})
    except DomainError:
        return Reply("cancel.not_found")
    return Reply("cancel.done", {"reference": filing.reference, "area": area_name(filing.treatment_area_code, lang),
                                 "was": was})


def explain_failed(checks: list[dict], lang: str) -> list[str]:
    """The sentences that say why a decision's failed checks failed (one home for their wording)."""
    sentences = []
    for raw in checks:
        if raw["passed"]:
            continue
        params = dict(raw.get("params") or {})
        for key in ("treatment_area", "area_code"):
            if params.get(key):
                params[key] = area_name(params[key], lang)
        sentences.append(rules.explain(rules.Check(raw["code"], False, raw["effect"], params), lang))
    return sentences


def change_reply(person: Person, effect: ChangeFiling, lang: str) -> Reply:
    """Replace the confirmed filing by its changed version and say what was decided, and what happens next."""
    changes = dict(effect.changes)
    for day in ("start_date", "end_date"):
        if changes.get(day):
            changes[day] = date.fromisoformat(changes[day])
    filing = None
    try:
        filing = _target(person, effect)
        new = filings.change_filing(person, effect.reference, changes, channel=CHANNEL)
    except FilingLocked as exc:
        return _locked("change", person, filing, exc)
    except FilingNotActive as exc:
        return Reply("change.not_active", {"reference": effect.reference, "status": exc.params.get("status")})
    except DomainError:
        return Reply("change.not_found")
    params = {"reference": new.reference, "old": filing.reference, "area": area_name(new.treatment_area_code),
              "category": new.category, "start": _day(new.start_date), "end": _day(new.end_date),
              "in_effect": new.start_date <= clock.today(), "lock_until": _day(new.lock_until),
              "insured": area_name(new.insured_area_code)}
    if new.status == "approved":
        return Reply("change.done", params)
    if new.status == "pending_review":
        return Reply("change.pending", params)
    return Reply("change.refused", {**params, "reasons": explain_failed(new.decision_checks, lang)})
