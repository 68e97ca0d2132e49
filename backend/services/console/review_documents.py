"""A reviewer and the papers of a case: what each required material has, a verdict per paper, asking for another.

Asking for another paper is a decision that waits: the case leaves the queue as info_requested with the
reason papers_requested, the person is told which paper and why, and their next upload for the filing
returns it to the queue (services/filing/documents.py, _return_to_queue) with its original submission time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from backend.extensions import db
from backend.lib import clock
from backend.models import Document, Filing, StaffUser
from backend.models.documents import REVIEW_VERDICTS
from backend.services.filing import documents, notifications
from backend.services.console.review_errors import already_decided
from backend.lib.errors import DomainError, NotFound
from backend.services.console.review_reasons import sentence
from backend.services.console.staff_accounts import audit_now, can_decide, can_view_area, require
from backend.services.unit_of_work import transactional
from dialogs.prompts.catalogue import pairs

VERDICT_LABELS = pairs("label.verdicts")


class PaperRequestInvalid(DomainError):
    """The request names no material of this filing, or gives no reason."""

    code, status = "paper_request_invalid", 400


class VerdictInvalid(DomainError):
    """The verdict is not one a reviewer can give."""

    code, status = "document_verdict_invalid", 400


@dataclass
class PaperRow:
    id: int
    number: int
    status: str
    label_zh: str
    label_en: str
    content_type: str
    pages: int
    uploaded_at: datetime
    by_agent: bool
    note: str | None
    deleted: bool
    delete_after: object


@dataclass
class MaterialPapers:
    code: str
    name_zh: str
    name_en: str
    papers: list[PaperRow] = field(default_factory=list)


def papers_for_case(staff: StaffUser, filing: Filing) -> list[MaterialPapers]:
    """Return each material the area accepts for the filing, with the papers uploaded for it (metadata only)."""
    if not can_view_area(staff, filing.insured_area_code):
        raise NotFound("filing_not_found", reference=filing.reference)
    codes = documents.filing_materials(filing)
    rows = db.session.scalars(select(Document).where(Document.filing_id == filing.id)
                              .order_by(Document.created_at, Document.id)).all()
    for extra in dict.fromkeys(d.material_code for d in rows):
        if extra not in codes:
            codes.append(extra)
    out = []
    for code in codes:
        mine = [d for d in rows if d.material_code == code]
        out.append(MaterialPapers(code, documents.material_name(code, "zh_CN"), documents.material_name(code, "en"), [
            PaperRow(id=d.id, number=i, status=d.status, label_zh=VERDICT_LABELS[d.status][0],
                     label_en=VERDICT_LABELS[d.status][1], content_type=d.content_type, pages=d.pages,
                     uploaded_at=d.created_at, by_agent=d.uploaded_by_person_id != d.owner_person_id,
                     note=d.reviewer_note, deleted=d.deleted_at is not None, delete_after=d.delete_after)
            for i, d in enumerate(mine, start=1)]))
    return out


def _deciding(staff: StaffUser, reference: str) -> Filing:
    filing = db.session.scalar(select(Filing).where(Filing.reference == reference))
    if filing is None or not can_view_area(staff, filing.insured_area_code):
        raise NotFound("filing_not_found", reference=reference)
    require(can_decide(staff, filing.insured_area_code), area=filing.insured_area_code)
    return filing


@transactional
def mark(staff: StaffUser, reference: str, document_id: int, verdict: str, note: str = "") -> Document:
    """Record a reviewer's verdict on one paper of a pending case; audited; one unit of work."""
    if verdict not in REVIEW_VERDICTS:
        raise VerdictInvalid()
    filing = _deciding(staff, reference)
    document = db.session.get(Document, document_id) if 0 < document_id <= documents.MAX_ID else None
    if document is None or document.filing_id != filing.id:
        raise NotFound("document_not_found", document_id=document_id)
    if filing.status != "pending_review":
        raise DomainError("review_already_decided", reference=reference, status=filing.status,
                          decided_by="-", decided_at="-")
    document.status, document.reviewer_note = verdict, (note or "").strip()[:500] or None
    document.reviewed_by_staff_id, document.reviewed_at = staff.id, clock.now()
    audit_now("document.reviewed", actor_kind="staff", actor_id=staff.id, principal_id=document.owner_person_id,
              subject_type="document", subject_id=str(document.id), channel="console", filing=reference,
              verdict=verdict, material=document.material_code)
    return document


@transactional
def ask_for_paper(staff: StaffUser, reference: str, material_code: str, reason: str) -> Filing:
    """Send a pending case to the person for another paper of one material, with a reason (one unit of work)."""
    reason = (reason or "").strip()[:300]
    filing = _deciding(staff, reference)
    if not reason or material_code not in documents.filing_materials(filing):
        raise PaperRequestInvalid(reference=reference)
    now = clock.now()
    name_zh, name_en = documents.material_name(material_code, "zh_CN"), documents.material_name(material_code, "en")
    note = f"请重新上传“{name_zh}”：{reason}"
    claimed = db.session.execute(
        update(Filing).where(Filing.id == filing.id, Filing.status == "pending_review")
        .values(status="info_requested", decision_mode="staff", decided_by_staff_id=staff.id, decided_at=now,
                decision_reason=documents.PAPER_REQUESTED, decision_note=note)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise already_decided(reference)
    db.session.refresh(filing)
    params = {"reference": reference, "status": "info_requested", "reason": documents.PAPER_REQUESTED,
              "reason_zh": sentence(documents.PAPER_REQUESTED, "zh_CN"),
              "reason_en": sentence(documents.PAPER_REQUESTED, "en"), "note": note, "material": material_code,
              "material_en": name_en, "decided_at": now.isoformat()}
    # Each request is its own notice: a second request for the same filing must reach the person too.
    asked = db.session.scalar(select(db.func.count()).select_from(Document).where(Document.filing_id == filing.id))
    for person_id in {filing.principal_person_id, filing.actor_person_id}:
        notifications.notify(person_id, "filing_decided", params,
                             key=f"{reference}:paper:{int(now.timestamp())}:{asked}:{person_id}")
    audit_now("filing.review_ask_for_paper", actor_kind="staff", actor_id=staff.id,
              principal_id=filing.principal_person_id, subject_type="filing", subject_id=reference, channel="console",
              status="info_requested", reason=documents.PAPER_REQUESTED, material=material_code, note=reason)
    return filing


def papers_line(filing: Filing) -> str:
    """Name the papers a decision rests on, as the person reads it ("" when none was uploaded)."""
    rows = db.session.scalars(select(Document).where(Document.filing_id == filing.id, Document.status != "replaced")
                              .order_by(Document.created_at, Document.id)).all()
    if not rows:
        return ""
    parts = [f"{documents.material_name(d.material_code)}（{VERDICT_LABELS[d.status][0]}）" for d in rows]
    return "材料：" + "；".join(parts)
