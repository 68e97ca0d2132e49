"""Which paper a person should send next: for the pages, the chat and the official account's photos.

An area lists, per category, alternatives of papers (a posting letter, or a labour contract and a residence
permit). A filing is complete when one alternative has a paper for each of its materials; until then the
papers still needed are those of the alternative closest to complete. A reviewer's request for another
paper (reason papers_requested) comes first: it names one material, and the person's next photo is for it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import AreaPolicy, AuditEntry, DialogSession, Document, Filing, Person
from backend.services.filing import documents, filings
from backend.services.data.reference_data import current_policy

# Papers that count towards a material: waiting for a reviewer, or accepted by one.
COUNTING = ("uploaded", "accepted")


def alternatives(policy: AreaPolicy | None, category: str | None) -> list[list[str]]:
    """Return the area's alternatives of papers for a category (the commitment letter is not a paper)."""
    if policy is None or not category:
        return []
    found = []
    for alternative in (policy.materials or {}).get(category, []):
        papers = [code for code in alternative if code != "commitment_letter"]
        if papers:
            found.append(papers)
    return found


def still_needed(options: list[list[str]], have: set[str]) -> list[str]:
    """Return the materials still missing from the alternative closest to complete ([] once one is)."""
    if not options:
        return []
    missing = [[code for code in option if code not in have] for option in options]
    if any(not m for m in missing):
        return []
    return min(missing, key=len)  # min keeps the first of equals: the area's own order


def policy_of(filing: Filing) -> AreaPolicy | None:
    """Return the rules the filing was decided by (else the area's current ones)."""
    policy = db.session.get(AreaPolicy, filing.policy_id) if filing.policy_id else None
    return policy or current_policy(filing.insured_area_code, clock.today())


def _have(rows) -> set[str]:
    return {d.material_code for d in rows if d.status in COUNTING and d.deleted_at is None}


def requested_material(filing: Filing) -> str | None:
    """Return the material a reviewer asked for while the filing waits for it, else None."""
    if filing.status != "info_requested" or filing.decision_reason != documents.PAPER_REQUESTED:
        return None
    detail = db.session.scalar(select(AuditEntry.detail).where(
        AuditEntry.action == "filing.review_ask_for_paper", AuditEntry.subject_type == "filing",
        AuditEntry.subject_id == filing.reference).order_by(AuditEntry.id.desc()).limit(1))
    material = (detail or {}).get("material")
    return material if material in documents.filing_materials(filing) else None


def needed_for_filing(filing: Filing) -> list[str]:
    """Return the materials an open filing still waits for, the reviewer's request first."""
    if filing.status not in documents.OPEN_STATUSES:
        return []
    asked = requested_material(filing)
    if asked:
        return [asked]
    rows = db.session.scalars(select(Document).where(Document.filing_id == filing.id)).all()
    return still_needed(alternatives(policy_of(filing), filing.category), _have(rows))


@dataclass
class Target:
    """Where the next paper from a chat goes: a filing (by reference) or the conversation's draft."""

    material: str
    reference: str | None = None
    # After this paper, what is still missing (to say so in the reply).
    after: tuple[str, ...] = ()


def draft_needed(actor: Person) -> list[str] | None:
    """Return what the conversation's draft still needs when it goes the documents way, else None."""
    session = db.session.scalar(select(DialogSession).where(DialogSession.user_key == f"person:{actor.id}"))
    slots = (session.slots or {}) if session is not None else {}
    if session is None or session.flow != "filing" or slots.get("materials") != "documents":
        return None
    try:
        principal, _ = filings.resolve_principal(actor, slots.get("principal", "self"))
    except Exception:  # the relative's consent ended mid-conversation: nothing to attach to
        return None
    policy = current_policy(principal.insured_area_code, clock.today())
    return still_needed(alternatives(policy, slots.get("category")), _have(documents.list_for_draft(actor)))


def waiting_filing(actor: Person) -> Filing | None:
    """Return the filing that waits for a paper from the actor: one a reviewer asked about, else the newest open one."""
    open_ones = [f for f in filings.visible_filings(actor) if f.status in documents.OPEN_STATUSES]
    asked = [f for f in open_ones if requested_material(f)]
    for filing in asked + open_ones:
        if needed_for_filing(filing):
            return filing
    return None


def next_target(actor: Person) -> Target | None:
    """Return where a photo sent in the chat now belongs (the draft first, then a waiting filing), or None."""
    draft = draft_needed(actor)
    if draft:
        return Target(draft[0], None, tuple(draft[1:]))
    filing = waiting_filing(actor)
    if filing is None:
        return None
    needed = needed_for_filing(filing)
    return Target(needed[0], filing.reference, tuple(needed[1:]))


def save_from_chat(actor: Person, target: Target, stream, *, channel: str, content_length: int | None = None):
    """Store a photo sent in the chat against the target's material; commits; returns the paper."""
    if target.reference is None:
        return documents.save_to_draft(actor, target.material, stream, channel=channel,
                                       content_length=content_length)
    return documents.save(actor, target.reference, target.material, stream, channel=channel,
                          content_length=content_length)
