"""The staff review queue: pending filings by area, one case, and decisions (approve / reject / ask for more)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from backend.extensions import db
from backend.lib import clock
from backend.models import Area, AuditEntry, AreaPolicy, Filing, Person, StaffUser
from backend.rules import filing_decision as rules
from backend.services.filing import filings, notifications
from backend.lib.errors import NotFound
from backend.services.console.review_errors import AlreadyDecided, DecisionInvalid, already_decided
from backend.services.filing import documents
from backend.services.console import review_documents
from backend.services.console.review_reasons import NOTE_REQUIRED, OWN_ACTION, REASONS, STATUS_OF_ACTION, sentence
from backend.services.console.staff_accounts import audit_now, can_decide, can_view_area, require, visible_areas
from backend.services.unit_of_work import unit_of_work
from dialogs.prompts.catalogue import both

PER_PAGE = 50
MAX_BULK = 200
CHECK_LABELS = {check: both("console", f"check_{check}") for check in (
    "insurance_status", "policy_missing", "category_offered", "cross_province", "no_overlap", "one_long_term",
    "start_date", "materials", "self_service", "change_lock")}
# What the person chose in the filing flow. Nothing is uploaded: the choice is a declaration, and the
# area's staff check the original papers at their window or by phone (README, "Staff console").
MATERIAL_LABELS = {choice: both("console", f"material_{choice}") for choice in ("documents", "commitment_letter")}


@dataclass(frozen=True)
class QueueFilters:
    """What the reviewer narrowed the queue to."""

    area: str | None = None
    category: str | None = None
    min_age_days: int | None = None
    page: int = 1


@dataclass
class QueueRow:
    reference: str
    category: str
    insured_area: str
    treatment_area: str
    submitted_at: datetime
    age_hours: float
    person_name: str
    id_number_masked: str
    filed_by: str | None
    failed_checks: list[str]
    bulk_eligible: bool


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    has_next: bool
    areas: list[tuple[str, str]]
    oldest_hours: float | None = None


@dataclass
class CaseView:
    filing: Filing
    principal: Person
    actor: Person | None
    insured_area: str
    treatment_area: str
    checks: list[dict]
    history: list[dict]
    events: list[dict]
    policy: AreaPolicy | None
    decided_by: str | None
    can_decide: bool
    bulk_eligible: bool
    age_hours: float
    materials: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def only_documents_open(checks: list[dict]) -> bool:
    """Return whether the only failed check is the document check (the bulk-approvable cases)."""
    failed = [c for c in checks or [] if not c.get("passed")]
    if len(failed) != 1 or failed[0].get("code") != "materials":
        return False
    return bool((failed[0].get("params") or {}).get("documents"))


def area_names(codes) -> dict[str, str]:
    """Return {code: name} for the given area codes (one query)."""
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    return dict(db.session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())


def _scope(staff: StaffUser, area: str | None):
    """Return the insured-area condition for a staff member, narrowed to one area if asked."""
    areas = visible_areas(staff)
    if area:
        require(areas is None or area in areas, area=area)
        return Filing.insured_area_code == area
    if areas is None:
        return None
    return Filing.insured_area_code.in_(areas or ["-"])


def _age_hours(since: datetime, now: datetime) -> float:
    return max(0.0, (now - since).total_seconds() / 3600)


def queue(staff: StaffUser, filters: QueueFilters, *, per_page: int = PER_PAGE) -> QueuePage:
    """Return one page of the pending filings a staff member may see, oldest first."""
    now = clock.now()
    conditions = [Filing.status == "pending_review"]
    scope = _scope(staff, filters.area)
    if scope is not None:
        conditions.append(scope)
    if filters.category:
        conditions.append(Filing.category == filters.category)
    if filters.min_age_days:
        conditions.append(Filing.submitted_at <= now - timedelta(days=filters.min_age_days))
    page = max(1, filters.page)
    rows = db.session.execute(
        select(Filing.reference, Filing.category, Filing.insured_area_code, Filing.treatment_area_code,
               Filing.submitted_at, Filing.decision_checks, Filing.actor_relation, Person.name, Person.id_number_masked)
        .join(Person, Person.id == Filing.principal_person_id)
        .where(*conditions).order_by(Filing.submitted_at, Filing.id)
        .offset((page - 1) * per_page).limit(per_page + 1)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(Filing).where(*conditions))
    oldest = db.session.scalar(select(func.min(Filing.submitted_at)).where(*conditions))
    scope_codes = visible_areas(staff)
    names = area_names([r.insured_area_code for r in rows] + [r.treatment_area_code for r in rows] + (scope_codes or []))
    items = [
        QueueRow(reference=r.reference, category=r.category,
                 insured_area=names.get(r.insured_area_code, r.insured_area_code),
                 treatment_area=names.get(r.treatment_area_code, r.treatment_area_code), submitted_at=r.submitted_at,
                 age_hours=_age_hours(r.submitted_at, now), person_name=r.name, id_number_masked=r.id_number_masked,
                 filed_by=r.actor_relation,
                 failed_checks=[c["code"] for c in r.decision_checks or [] if not c.get("passed")],
                 bulk_eligible=only_documents_open(r.decision_checks))
        for r in rows[:per_page]
    ]
    areas = [(c, names.get(c, c)) for c in scope_codes] if scope_codes is not None else []
    return QueuePage(items, total or 0, page, len(rows) > per_page, areas,
                     _age_hours(oldest, now) if oldest else None)


def _load_visible(staff: StaffUser, reference: str) -> Filing:
    filing = db.session.scalar(select(Filing).where(Filing.reference == reference))
    # Another area's case answers "not found": its existence is not the reviewer's business.
    if filing is None or not can_view_area(staff, filing.insured_area_code):
        raise NotFound("filing_not_found", reference=reference)
    return filing


def _explained(checks: list[dict], names: dict[str, str]) -> list[dict]:
    out = []
    for raw in checks or []:
        params = dict(raw.get("params") or {})
        for key in ("treatment_area", "area_code"):
            if params.get(key):
                params[key] = names.get(params[key], params[key])
        check = rules.Check(raw["code"], bool(raw.get("passed")), raw.get("effect", ""), params)
        out.append({"code": raw["code"], "label": CHECK_LABELS.get(raw["code"], raw["code"]),
                    "passed": check.passed, "effect": check.effect, "params": raw.get("params") or {},
                    "zh": rules.explain(check, "zh_CN"), "en": rules.explain(check, "en")})
    return out


def case(staff: StaffUser, reference: str) -> CaseView:
    """Return one case with its declared materials, explained checks, the person's history and audit trail."""
    filing = _load_visible(staff, reference)
    principal = db.session.get(Person, filing.principal_person_id)
    actor = db.session.get(Person, filing.actor_person_id) if filing.actor_person_id != filing.principal_person_id else None
    history = db.session.scalars(
        select(Filing).where(Filing.principal_person_id == principal.id, Filing.id != filing.id)
        .order_by(Filing.submitted_at.desc()).limit(20)
    ).all()
    names = area_names([filing.insured_area_code, filing.treatment_area_code]
                       + [h.treatment_area_code for h in history])
    staff_ids = {f.decided_by_staff_id for f in [filing, *history] if f.decided_by_staff_id}
    staff_names = dict(db.session.execute(
        select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(staff_ids))).all()) if staff_ids else {}
    events = db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "filing", AuditEntry.subject_id == filing.reference)
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    return CaseView(
        filing=filing, principal=principal, actor=actor,
        insured_area=names.get(filing.insured_area_code, filing.insured_area_code),
        treatment_area=names.get(filing.treatment_area_code, filing.treatment_area_code),
        checks=_explained(filing.decision_checks, names),
        history=[{"reference": h.reference, "status": h.status, "category": h.category,
                  "treatment_area": names.get(h.treatment_area_code, h.treatment_area_code),
                  "submitted_at": h.submitted_at, "decided_at": h.decided_at, "decision_mode": h.decision_mode,
                  "decided_by": staff_names.get(h.decided_by_staff_id), "reason": h.decision_reason}
                 for h in history],
        events=[{"at": e.at, "action": e.action, "actor_kind": e.actor_kind, "detail": e.detail} for e in events],
        policy=db.session.get(AreaPolicy, filing.policy_id) if filing.policy_id else None,
        decided_by=staff_names.get(filing.decided_by_staff_id),
        can_decide=filing.status == "pending_review" and can_decide(staff, filing.insured_area_code),
        bulk_eligible=only_documents_open(filing.decision_checks),
        age_hours=_age_hours(filing.submitted_at, clock.now()),
        materials=_material_labels(filing),
    )


def _material_labels(filing: Filing) -> list[str]:
    chosen = list(filing.materials or [])
    if filing.commitment_letter and "commitment_letter" not in chosen:
        chosen.append("commitment_letter")
    return [MATERIAL_LABELS.get(m, m) for m in chosen]


@dataclass(frozen=True)
class Outcome:
    """What one decision did."""

    reference: str
    status: str
    reason: str


def decide(staff: StaffUser, reference: str, action: str, reason: str, note: str = "") -> Outcome:
    """Decide a pending filing once: approve, reject or ask for more, with a reason template (one unit of work)."""
    with unit_of_work():
        return _decide(staff, reference, action, reason, (note or "").strip()[:500])


def _decide(staff: StaffUser, reference: str, action: str, reason: str, note: str) -> Outcome:
    if action not in STATUS_OF_ACTION:
        raise DecisionInvalid("review_decision_invalid")
    if reason not in REASONS or REASONS[reason][0] != action or reason in OWN_ACTION:
        raise DecisionInvalid("review_reason_invalid")
    if reason in NOTE_REQUIRED and not note:
        raise DecisionInvalid("review_note_required")
    filing = _load_visible(staff, reference)
    require(can_decide(staff, filing.insured_area_code), area=filing.insured_area_code)
    status, now = STATUS_OF_ACTION[action], clock.now()
    # One conditional UPDATE is the lock: of two reviewers deciding at once, exactly one changes the
    # row; the other's UPDATE matches nothing once the winner's commit is visible.
    claimed = db.session.execute(
        update(Filing).where(Filing.id == filing.id, Filing.status == "pending_review")
        .values(status=status, decision_mode="staff", decided_by_staff_id=staff.id, decided_at=now,
                decision_reason=reason, decision_note=note or None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise already_decided(reference)
    db.session.refresh(filing)
    # The decision names the papers it rests on, and dates them for deletion (the area's retention).
    papers = review_documents.papers_line(filing)
    if papers:
        note = f"{note}\n{papers}".strip()
        filing.decision_note = note[:500]
    documents.schedule_deletion(filing)
    principal = db.session.get(Person, filing.principal_person_id)
    if status == "approved":
        _supersede_replaced(filing, principal)
        filings._announce(filing, principal, "filing.registered")
    params = {"reference": reference, "status": status, "reason": reason,
              "reason_zh": sentence(reason, "zh_CN"), "reason_en": sentence(reason, "en"), "note": note,
              "decided_at": now.isoformat()}
    for person_id in {filing.principal_person_id, filing.actor_person_id}:
        notifications.notify(person_id, "filing_decided", params, key=f"{reference}:v{filing.version}:staff:{person_id}")
    audit_now(f"filing.review_{action}", actor_kind="staff", actor_id=staff.id, principal_id=principal.id,
                 subject_type="filing", subject_id=reference, channel="console", status=status, reason=reason,
                 note=note)
    return Outcome(reference, status, reason)


def _supersede_replaced(filing: Filing, principal: Person) -> None:
    # A change that went to review replaces its old filing only once approved (as automatic changes do).
    if not filing.replaces_filing_id:
        return
    old = db.session.get(Filing, filing.replaces_filing_id)
    if old is not None and old.status in rules.ACTIVE_STATUSES:
        old.status, old.version = "superseded", old.version + 1
        filings._announce(old, principal, "filing.superseded")


@dataclass
class BulkResult:
    approved: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def bulk_approve(staff: StaffUser, references: list[str]) -> BulkResult:
    """Approve each listed case whose only open point is the document check; one unit of work per case."""
    result = BulkResult()
    for reference in list(dict.fromkeys(references))[:MAX_BULK]:
        filing = db.session.scalar(select(Filing).where(Filing.reference == reference))
        if filing is None or not can_decide(staff, filing.insured_area_code):
            result.skipped.append((reference, "filing_not_found"))
        elif filing.status != "pending_review":
            result.skipped.append((reference, "review_already_decided"))
        elif not only_documents_open(filing.decision_checks):
            result.skipped.append((reference, "review_not_bulk_eligible"))
        else:
            try:
                decide(staff, reference, "approve", "documents_verified")
                result.approved.append(reference)
            except AlreadyDecided:
                result.skipped.append((reference, "review_already_decided"))
    return result
