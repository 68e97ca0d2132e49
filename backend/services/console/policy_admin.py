"""Area policy administration: view versions, save a new version, import and export as YAML."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import yaml
from sqlalchemy import func, select

from backend.extensions import db
from backend.lib import clock
from backend.models import Area, AreaPolicy, Disease, Filing, StaffUser
from backend.rules.policy_validation import validate_policy
from backend.lib.errors import DomainError, NotFound
from backend.services.data.reference_data import current_policy, import_policy_documents
from backend.services.console.staff_accounts import audit_now, can_edit_policy, can_view_area, require, visible_areas
from dialogs.prompts.catalogue import both

MAX_IMPORT_BYTES = 512 * 1024


class PolicyInvalid(DomainError):
    """The new version breaks a rule (listed in problems); nothing was stored."""

    code, status = "policy_invalid", 400

    def __init__(self, problems: list[str], code: str | None = None):
        super().__init__(code, problems="；".join(problems))
        self.problems = problems


@dataclass
class AreaRow:
    code: str
    name: str
    effective_from: date | None
    is_sample: bool | None
    versions: int


@dataclass
class AreaPolicies:
    code: str
    name: str
    versions: list[dict]
    selected: AreaPolicy | None
    current_id: int | None
    can_edit: bool


def areas_overview(staff: StaffUser) -> list[AreaRow]:
    """Return the co-ordination areas the staff member sees, with their current version date."""
    scope = visible_areas(staff)
    query = select(Area.code, Area.name).where(Area.is_pool.is_(True)).order_by(Area.code)
    if scope is not None:
        query = query.where(Area.code.in_(scope or ["-"]))
    areas = db.session.execute(query).all()
    latest: dict[str, tuple[int, date, bool]] = {}
    rows = db.session.execute(
        select(AreaPolicy.area_code, AreaPolicy.effective_from, AreaPolicy.is_sample)
        .where(AreaPolicy.effective_from <= clock.today()).order_by(AreaPolicy.area_code, AreaPolicy.effective_from))
    for code, start, sample in rows:
        latest[code] = (latest.get(code, (0,))[0] + 1, start, sample)
    return [AreaRow(code, name, latest[code][1] if code in latest else None,
                    latest[code][2] if code in latest else None, latest.get(code, (0,))[0])
            for code, name in areas]


def area_policies(staff: StaffUser, area_code: str, version_id: int | None = None) -> AreaPolicies:
    """Return an area's versions (newest first, with how many decisions cite each) and one of them."""
    area = db.session.get(Area, area_code)
    if area is None or not area.is_pool or not can_view_area(staff, area_code):
        raise NotFound("unknown_area", area=area_code)
    versions = db.session.scalars(
        select(AreaPolicy).where(AreaPolicy.area_code == area_code).order_by(AreaPolicy.effective_from.desc())
    ).all()
    used = dict(db.session.execute(
        select(Filing.policy_id, func.count()).where(Filing.policy_id.in_([v.id for v in versions] or [-1]))
        .group_by(Filing.policy_id)).all())
    current = current_policy(area_code, clock.today())
    selected = next((v for v in versions if v.id == version_id), current if version_id is None else None)
    if version_id is not None and selected is None:
        raise NotFound("policy_version_not_found", area=area_code)
    rows = [{"id": v.id, "effective_from": v.effective_from, "effective_to": v.effective_to,
             "is_sample": v.is_sample, "note": v.note, "created_by": v.created_by, "created_at": v.created_at,
             "decisions": used.get(v.id, 0), "current": current is not None and v.id == current.id,
             "future": v.effective_from > clock.today()} for v in versions]
    return AreaPolicies(area_code, area.name, rows, selected, current.id if current else None,
                        can_edit_policy(staff, area_code))


def policy_document(policy: AreaPolicy) -> dict:
    """Return a stored version in the import format (backend/data/sample_policies.yaml)."""
    return {
        "area": policy.area_code,
        "effective_from": policy.effective_from.isoformat(),
        "sample": policy.is_sample,
        "note": policy.note,
        "filing": {
            "categories_offered": list(policy.categories_offered or []),
            "materials": {k: [list(alt) for alt in v] for k, v in (policy.materials or {}).items()},
            "commitment_letter_categories": list(policy.commitment_letter_categories or []),
            "self_service_enabled": policy.self_service_enabled,
            "manual_review_categories": list(policy.manual_review_categories or []),
            "change_lock_months": policy.change_lock_months,
            "commitment_lock_months": policy.commitment_lock_months,
            "temporary_validity_months": policy.temporary_validity_months,
            "referral_validity_months": policy.referral_validity_months,
            "emergency_late_filing_days": policy.emergency_late_filing_days,
            "max_institutions": policy.max_institutions,
            "allowed_levels": list(policy.allowed_levels) if policy.allowed_levels is not None else None,
        },
        "ratio_reduction": {"referral": str(policy.reduction_referral), "emergency": str(policy.reduction_emergency),
                            "other_temporary": str(policy.reduction_other_temporary)},
        "reimbursement": [
            {"scheme": r.scheme, "person_status": r.person_status, "institution_level": r.institution_level,
             "visit_type": r.visit_type, "deductible": str(r.deductible), "ratio": str(r.ratio),
             "annual_cap": str(r.annual_cap)}
            for r in sorted(policy.reimbursement_rules,
                            key=lambda r: (r.visit_type, r.scheme, r.institution_level, r.person_status))
        ],
        "chronic_diseases": [
            {"code": c.disease_code, **({"fixed_monthly_amount": str(c.fixed_monthly_amount)}
                                        if c.fixed_monthly_amount is not None else {})}
            for c in sorted(policy.chronic_diseases, key=lambda c: c.disease_code)
        ],
    }


def _problems(staff: StaffUser, doc: dict, area_code: str | None) -> list[str]:
    """Return why a document cannot become a new version (beyond the pure rule checks)."""
    if not isinstance(doc, dict):
        return [both("console", "entry_not_mapping", " / ")]
    problems = []
    area = str(doc.get("area", ""))
    if area_code is not None and area != area_code:
        problems.append(both("console", "area_only_this", " / ").format(area_code=area_code, area=area))
    elif not can_edit_policy(staff, area):
        problems.append(both("console", "area_not_yours", " / ").format(area=area))
    try:
        start = date.fromisoformat(str(doc.get("effective_from", "")))
    except ValueError:
        start = None
    if start is not None and start < clock.today():
        # Decisions already made cite the version in force then; a back-dated version would rewrite that.
        problems.append(both("console", "effective_before_today", " / ").format(start=start))
    if start is not None and not problems:
        existing = db.session.scalar(select(AreaPolicy.id).where(AreaPolicy.area_code == area,
                                                                 AreaPolicy.effective_from == start))
        if existing and db.session.scalar(select(Filing.id).where(Filing.policy_id == existing).limit(1)):
            problems.append(both("console", "effective_cited", " / ").format(start=start))
    pools = set(db.session.scalars(select(Area.code).where(Area.code == area, Area.is_pool.is_(True))))
    diseases = set(db.session.scalars(select(Disease.code)))
    return problems + validate_policy(doc, pool_codes=pools, disease_codes=diseases)


def save_version(staff: StaffUser, area_code: str, doc: dict) -> AreaPolicy:
    """Store a new version of an area's rules (it applies to decisions from its date on); commits."""
    require(can_edit_policy(staff, area_code), area=area_code)
    doc = {**doc, "area": area_code, "created_by": f"staff:{staff.username}"}
    problems = _problems(staff, doc, area_code)
    if problems:
        raise PolicyInvalid(problems)
    audit_now("policy.version_saved", actor_kind="staff", actor_id=staff.id, subject_type="area_policy",
                 subject_id=area_code, channel="console", effective_from=str(doc["effective_from"]))
    report = import_policy_documents([(0, doc)])
    if report.rejected:  # a concurrent save of the same day; nothing of ours was kept
        raise PolicyInvalid([reason for _, reason in report.rejected])
    return db.session.scalar(select(AreaPolicy).where(
        AreaPolicy.area_code == area_code, AreaPolicy.effective_from == date.fromisoformat(str(doc["effective_from"]))))


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def export_yaml(staff: StaffUser, area_code: str, version_id: int | None = None) -> str:
    """Return the YAML of one version (the current one by default) in the import format."""
    view = area_policies(staff, area_code, version_id)
    if view.selected is None:
        raise NotFound("policy_version_not_found", area=area_code)
    header = f"# {view.name} ({area_code}) policy, exported {clock.today().isoformat()}\n"
    return header + yaml.dump({"policies": [policy_document(view.selected)]}, Dumper=_NoAliases,
                              allow_unicode=True, sort_keys=False)


@dataclass
class ImportResult:
    accepted: int
    rejected: list[tuple[int, str]]


def import_yaml(staff: StaffUser, area_code: str, text: str) -> ImportResult:
    """Import versions of one area from YAML text; entries with problems are reported by line; commits."""
    require(can_edit_policy(staff, area_code), area=area_code)
    if len(text.encode("utf-8")) > MAX_IMPORT_BYTES:
        raise PolicyInvalid([both("console", "file_too_large", " / ").format(kb=MAX_IMPORT_BYTES // 1024)], code="policy_import_invalid")
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PolicyInvalid([both("console", "not_yaml", " / ").format(line=mark.line + 1 if mark else 0)],
                            code="policy_import_invalid") from None
    nodes = None
    if isinstance(root, yaml.MappingNode):
        nodes = next((v.value for k, v in root.value if k.value == "policies" and isinstance(v, yaml.SequenceNode)), None)
    if nodes is None:
        raise PolicyInvalid([both("console", "no_policies_list", " / ")],
                            code="policy_import_invalid")
    accepted, rejected = [], []
    for node in nodes:
        line = node.start_mark.line + 1
        try:
            doc = loader.construct_document(node)
        except yaml.YAMLError as exc:
            rejected.append((line, f"not valid: {exc}"))
            continue
        if isinstance(doc, dict):
            doc = {**doc, "created_by": f"staff:{staff.username}"}
        problems = _problems(staff, doc, area_code)
        if problems:
            rejected.append((line, "; ".join(problems)))
        else:
            accepted.append((line, doc))
    if accepted:
        audit_now("policy.imported", actor_kind="staff", actor_id=staff.id, subject_type="area_policy",
                     subject_id=area_code, channel="console", versions=[str(d["effective_from"]) for _, d in accepted])
        report = import_policy_documents(accepted)
        rejected += report.rejected
        return ImportResult(report.accepted, sorted(rejected))
    return ImportResult(0, sorted(rejected))
