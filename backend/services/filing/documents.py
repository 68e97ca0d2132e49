"""Papers for a filing: upload, list, delete before review, authorised reads, and what the reviewer sees.

Who may read a paper (issue 20): the person it belongs to; the relative who uploaded it, while the
person's consent lasts; reviewers of the filing's insured area. Everybody else is told it does not
exist. Every read and every deletion writes an audit row. The contents live in the document store
(adapters/storage.py), encrypted; the database holds metadata only.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from backend.adapters import storage
from backend.extensions import db
from backend.lib import clock, uploads
from backend.models import AreaPolicy, DialogSession, Document, Filing, Person, StaffUser
from backend.services.filing import audit, filings
from backend.services.filing.paper_retention import retention_days, schedule_deletion  # noqa: F401
from backend.lib.errors import DomainError, NotFound
from backend.services.data.reference_data import current_policy
from backend.services.console.staff_accounts import can_decide
from backend.services.unit_of_work import discard, transactional, unit_of_work
from dialogs.prompts import render_prompt

# A filing takes papers while it waits for a reviewer, or after a reviewer asked for another one.
OPEN_STATUSES = ("pending_review", "info_requested")
# The decision reason that sends a case to the person for a new paper and back when it arrives.
PAPER_REQUESTED = "papers_requested"


class DocumentRefused(DomainError):
    """The file is not a paper we can keep (type, size, pixels, pages)."""

    code, status = "document_type", 400


class FilingClosed(DomainError):
    """The filing no longer takes papers (decided, cancelled)."""

    code, status = "document_filing_closed", 409


class AlreadyReviewed(DomainError):
    """A reviewer has looked at the paper: it stays (the decision may rest on it)."""

    code, status = "document_already_reviewed", 409


class Gone(DomainError):
    """The contents were deleted by the retention rule; the metadata remains."""

    code, status = "document_gone", 410


class StoreUnavailable(DomainError):
    """The store cannot be reached now; nothing was saved."""

    code, status = "document_store_unavailable", 503


# ----------------------------------------------------------------------------- settings
def limits() -> uploads.Limits:
    """Return the upload limits configured for this app."""
    cfg = current_app.config
    return uploads.Limits(max_bytes=int(cfg["DOCUMENT_MAX_BYTES"]), max_pixels=int(cfg["DOCUMENT_MAX_PIXELS"]),
                          max_pdf_pages=int(cfg["DOCUMENT_MAX_PDF_PAGES"]))


def upload_rate_limit() -> str:
    """Return the per-account limit on uploads."""
    return current_app.config["DOCUMENT_UPLOAD_RATE_LIMIT"]


# ----------------------------------------------------------------------------- materials
def material_name(code: str, lang: str = "zh_CN") -> str:
    """Return a material's name in the person's words (names.j2), the code itself if it has none."""
    try:
        return render_prompt(f"names.material_{code}", {}, lang) or code
    except Exception:  # an area may name a material the prompts do not know yet
        return code


def required_materials(policy: AreaPolicy | None, category: str | None) -> list[str]:
    """Return the paper materials the area lists for a category, in order (the commitment letter is not a paper)."""
    if policy is None:
        return []
    categories = [category] if category else list((policy.materials or {}).keys())
    seen: list[str] = []
    for cat in categories:
        for alternative in (policy.materials or {}).get(cat, []):
            for code in alternative:
                if code != "commitment_letter" and code not in seen:
                    seen.append(code)
    return seen


def filing_materials(filing: Filing) -> list[str]:
    """Return the materials a filing's papers may stand for (its area's rules for its category)."""
    policy = db.session.get(AreaPolicy, filing.policy_id) if filing.policy_id else None
    return required_materials(policy or current_policy(filing.insured_area_code, clock.today()), filing.category)


# ----------------------------------------------------------------------------- upload
def save(actor: Person, filing_reference: str, material_code: str, stream, *, channel: str,
         content_length: int | None = None) -> Document:
    """Check and store one paper for a filing the actor may act on, in a unit of work; return it.

    A paper sent after a reviewer asked for another one returns the case to the review queue.
    """
    filing = filings.get_filing(actor, filing_reference)
    if filing.status not in OPEN_STATUSES:
        raise FilingClosed(reference=filing.reference, status=filing.status)
    if material_code not in filing_materials(filing):
        raise DocumentRefused("document_material_unknown", material=material_code)
    with unit_of_work():
        document = _store(actor, filing.principal_person_id, material_code, stream, channel=channel,
                          content_length=content_length, filing_id=filing.id)
        _replace_flagged(document)
        _return_to_queue(filing, document, actor, channel)
    return document


def save_to_draft(actor: Person, material_code: str, stream, *, channel: str,
                  content_length: int | None = None) -> Document:
    """Store a paper against the actor's current dialog draft (it joins the filing when submitted); a unit of work."""
    session = db.session.scalar(select(DialogSession).where(DialogSession.user_key == f"person:{actor.id}"))
    if session is None or session.flow != "filing":
        raise NotFound("document_no_draft")
    principal, _ = filings.resolve_principal(actor, (session.slots or {}).get("principal", "self"))
    policy = current_policy(principal.insured_area_code, clock.today())
    if material_code not in required_materials(policy, (session.slots or {}).get("category")):
        raise DocumentRefused("document_material_unknown", material=material_code)
    with unit_of_work():
        document = _store(actor, principal.id, material_code, stream, channel=channel,
                          content_length=content_length, dialog_session_id=session.id)
    return document


def attach_draft(session_id: int | None, filing: Filing) -> int:
    """Move a dialog draft's papers to the filing made from it (inside the caller's transaction)."""
    if not session_id:
        return 0
    moved = db.session.execute(
        update(Document).where(Document.dialog_session_id == session_id, Document.filing_id.is_(None),
                               Document.owner_person_id == filing.principal_person_id, Document.deleted_at.is_(None))
        .values(filing_id=filing.id).execution_options(synchronize_session=False))
    if filing.status not in OPEN_STATUSES:
        schedule_deletion(filing)  # decided at once (refused): nobody will review these papers
    return moved.rowcount or 0


def _store(actor: Person, owner_id: int, material_code: str, stream, *, channel: str, content_length: int | None,
           filing_id: int | None = None, dialog_session_id: int | None = None) -> Document:
    rules = limits()
    if content_length is not None and content_length > rules.max_bytes + 64 * 1024:
        # The request says how big it is: refuse before reading any of it.
        raise DocumentRefused("document_too_large", limit_mb=rules.max_bytes // (1024 * 1024))
    try:
        kept = uploads.prepare(stream, rules)
    except uploads.Refused as refused:
        raise DocumentRefused(refused.code, **refused.params) from None
    key = f"documents/{clock.today():%Y/%m}/{secrets.token_hex(16)}"
    try:
        storage.store().put(key, [kept.data])
    except storage.StoreError as exc:
        raise StoreUnavailable() from exc
    except Exception as exc:  # boto3's own errors (endpoint down, credentials refused)
        current_app.logger.warning("document store put failed: %s", type(exc).__name__)
        raise StoreUnavailable() from exc
    document = Document(filing_id=filing_id, dialog_session_id=dialog_session_id, material_code=material_code,
                        owner_person_id=owner_id, uploaded_by_person_id=actor.id, channel=channel,
                        content_type=kept.content_type, size_bytes=kept.size, sha256=kept.sha256, pages=kept.pages,
                        storage_key=key, status="uploaded", created_at=clock.now())
    db.session.add(document)
    db.session.flush()
    audit.record("document.uploaded", actor_kind="person", actor_id=actor.id, principal_id=owner_id,
                 subject_type="document", subject_id=str(document.id), channel=channel, material=material_code,
                 filing_id=filing_id, sha256=kept.sha256, size=kept.size)
    return document


def _replace_flagged(document: Document) -> None:
    # The new paper takes the place of those a reviewer found unreadable or wrong for the same material.
    db.session.execute(
        update(Document).where(Document.filing_id == document.filing_id, Document.id != document.id,
                               Document.material_code == document.material_code,
                               Document.status.in_(("unreadable", "wrong")))
        .values(status="replaced").execution_options(synchronize_session=False))


def _return_to_queue(filing: Filing, document: Document, actor: Person, channel: str) -> None:
    if filing.status != "info_requested" or filing.decision_reason != PAPER_REQUESTED:
        return
    # Conditional, like a decision: of two uploads at once exactly one moves the case back.
    moved = db.session.execute(
        update(Filing).where(Filing.id == filing.id, Filing.status == "info_requested",
                             Filing.decision_reason == PAPER_REQUESTED)
        .values(status="pending_review", decided_at=None, decision_mode=None, decided_by_staff_id=None)
        .execution_options(synchronize_session=False)).rowcount
    if moved:
        audit.record("filing.returned_to_review", actor_kind="person", actor_id=actor.id,
                     principal_id=filing.principal_person_id, subject_type="filing", subject_id=filing.reference,
                     channel=channel, document_id=document.id, material=document.material_code)
        db.session.refresh(filing)


# ----------------------------------------------------------------------------- reading and listing
def _may_read(actor: Person, document: Document) -> bool:
    if document.owner_person_id == actor.id:
        return True
    return document.uploaded_by_person_id == actor.id and any(
        link.member_person_id == document.owner_person_id for link in filings.consented_links(actor))


# Ids are 32-bit in the database: a larger number (from a URL) names no paper, it must not reach the driver.
MAX_ID = 2**31 - 1


def _get(document_id: int) -> Document | None:
    return db.session.get(Document, document_id) if 0 < document_id <= MAX_ID else None


def _visible(actor: Person, document_id: int) -> Document:
    document = _get(document_id)
    if document is None or not _may_read(actor, document):
        raise NotFound("document_not_found", document_id=document_id)
    return document


def list_for_filing(actor: Person, filing_reference: str) -> list[Document]:
    """Return the papers of a filing the actor may see, oldest first; another person's answer not found."""
    filing = filings.get_filing(actor, filing_reference)
    rows = db.session.scalars(select(Document).where(Document.filing_id == filing.id)
                              .order_by(Document.created_at, Document.id)).all()
    return [d for d in rows if _may_read(actor, d)]


def list_for_draft(actor: Person) -> list[Document]:
    """Return the papers waiting on the actor's dialog draft."""
    session_id = db.session.scalar(select(DialogSession.id).where(DialogSession.user_key == f"person:{actor.id}"))
    if session_id is None:
        return []
    return list(db.session.scalars(select(Document).where(
        Document.dialog_session_id == session_id, Document.filing_id.is_(None), Document.deleted_at.is_(None),
        Document.uploaded_by_person_id == actor.id).order_by(Document.id)))


def for_material(filing: Filing, material_code: str) -> list[Document]:
    """Return a filing's papers for one material, oldest first (no access check: callers have one)."""
    return list(db.session.scalars(select(Document).where(
        Document.filing_id == filing.id, Document.material_code == material_code)
        .order_by(Document.created_at, Document.id)))


@transactional
def open_for_person(actor: Person, document_id: int, *, channel: str) -> tuple[Document, Iterator[bytes]]:
    """Return a paper and its contents for the person or the agent who uploaded it; audited (a unit of work)."""
    document = _visible(actor, document_id)
    contents = _contents(document)
    audit.record("document.read", actor_kind="person", actor_id=actor.id, principal_id=document.owner_person_id,
                 subject_type="document", subject_id=str(document.id), channel=channel)
    return document, contents


@transactional
def open_for_staff(staff: StaffUser, document_id: int, *, purpose: str = "view") -> tuple[Document, Iterator[bytes]]:
    """Return a paper and its contents for a reviewer of the filing's insured area; audited (a unit of work)."""
    document = _get(document_id)
    filing = db.session.get(Filing, document.filing_id) if document is not None and document.filing_id else None
    if filing is None or not can_decide(staff, filing.insured_area_code):
        raise NotFound("document_not_found", document_id=document_id)
    contents = _contents(document)
    audit.record("document.read", actor_kind="staff", actor_id=staff.id, principal_id=document.owner_person_id,
                 subject_type="document", subject_id=str(document.id), channel="console",
                 filing=filing.reference, purpose=purpose)
    return document, contents


def _contents(document: Document) -> Iterator[bytes]:
    if document.deleted_at is not None:
        raise Gone(document_id=document.id)
    try:
        return storage.store().get(document.storage_key)
    except storage.MissingObject:
        raise Gone(document_id=document.id) from None
    except storage.StoreError as exc:
        raise StoreUnavailable() from exc


# ----------------------------------------------------------------------------- deleting
def delete(actor: Person, document_id: int, *, channel: str) -> Document:
    """Delete a paper's contents before any reviewer has looked at it; the metadata stays; audited (a unit of work)."""
    document = _visible(actor, document_id)
    if document.deleted_at is not None:
        return document
    if document.status != "uploaded" or document.reviewed_at is not None:
        raise AlreadyReviewed(document_id=document.id)
    filing = db.session.get(Filing, document.filing_id) if document.filing_id else None
    if filing is not None and filing.status not in OPEN_STATUSES:
        raise FilingClosed(reference=filing.reference, status=filing.status)
    with unit_of_work():
        _erase(document)
        audit.record("document.deleted", actor_kind="person", actor_id=actor.id,
                     principal_id=document.owner_person_id, subject_type="document", subject_id=str(document.id),
                     channel=channel, material=document.material_code)
    return document


def _erase(document: Document) -> None:
    try:
        storage.store().delete(document.storage_key)
    except Exception as exc:
        raise StoreUnavailable() from exc
    document.deleted_at = clock.now()


# ----------------------------------------------------------------------------- retention
def delete_expired(limit: int = 500) -> int:
    """Delete the contents of papers past their date; keep the metadata; audit each; one unit of work per paper.

    Each paper commits on its own (a unit of work opened separately): its contents are gone from the store
    once deleted, so its record must not wait for, or be undone with, the next paper's.
    """
    today, done = clock.today(), 0
    due = db.session.execute(select(Document.id, Document.storage_key, Document.owner_person_id,
                                    Document.delete_after)
                             .where(Document.deleted_at.is_(None), Document.delete_after.is_not(None),
                                    Document.delete_after < today)
                             .order_by(Document.delete_after, Document.id).limit(limit)).all()
    for row in due:
        with unit_of_work(separately=True):
            done += _expire(row)
    return done


def _expire(row) -> bool:
    """Delete one paper's contents and record it; False (nothing kept) when another pass or the store stops it."""
    # Every process that serves the app runs this loop: one conditional UPDATE claims each paper, so
    # two passes at once delete and record it once. A store that fails undoes the claim.
    claimed = db.session.execute(update(Document).where(Document.id == row.id, Document.deleted_at.is_(None))
                                 .values(deleted_at=clock.now())
                                 .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        discard()
        return False
    try:
        storage.store().delete(row.storage_key)
    except Exception:
        discard()
        current_app.logger.warning("retention: document %s not deleted yet (store unavailable)", row.id)
        return False
    audit.record("document.expired", actor_kind="system", actor_id=None, principal_id=row.owner_person_id,
                 subject_type="document", subject_id=str(row.id), channel="worker",
                 delete_after=row.delete_after.isoformat())
    return True


# ----------------------------------------------------------------------------- what people see
@dataclass(frozen=True)
class PaperView:
    """One paper as the API shows it."""

    id: int
    material: str
    material_name: str
    status: str
    content_type: str
    pages: int
    size: int
    uploaded_at: str
    uploaded_by: str
    reviewer_note: str | None
    delete_after: str | None
    deleted: bool


def summary(document: Document, viewer: Person, lang: str = "zh_CN") -> dict:
    """Return a paper as the person sees it (no storage key, no hash)."""
    return PaperView(
        id=document.id, material=document.material_code, material_name=material_name(document.material_code, lang),
        status=document.status, content_type=document.content_type, pages=document.pages, size=document.size_bytes,
        uploaded_at=document.created_at.isoformat(),
        uploaded_by="self" if document.uploaded_by_person_id == viewer.id else "other",
        reviewer_note=document.reviewer_note if document.status in ("unreadable", "wrong") else None,
        delete_after=document.delete_after.isoformat() if document.delete_after else None,
        deleted=document.deleted_at is not None,
    ).__dict__
