"""Load and import reference data: areas, diseases, area policies, institutions."""
from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import bindparam, delete, select

from backend.extensions import db
from backend.lib import pinyin, search_keys
from backend.models import (
    Area, AreaChronicDisease, AreaPolicy, Disease, Filing, Institution, InstitutionDisease, ReimbursementRule,
)
from backend.models.institutions import (
    KINDS, LEVELS, SERVICES, name_key_rows, refresh_planner_statistics, store_name_keys,
)
from backend.rules.policy_validation import validate_policy
from backend.services.dialog import reference_cache
from backend.services.data.upsert import insert_ignore, upsert
from backend.services.unit_of_work import transactional, unit_of_work

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
AREAS_CSV = DATA_DIR / "areas.csv"
DISEASES_YAML = DATA_DIR / "diseases.yaml"
SAMPLE_POLICIES_YAML = DATA_DIR / "sample_policies.yaml"
SAMPLE_INSTITUTIONS_CSV = DATA_DIR / "sample_institutions.csv"

# libyaml when present: the pure-Python parser needs seconds for the shipped file.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

INSTITUTION_COLUMNS = (
    "code", "name", "area_code", "district_code", "level", "kind", "latitude", "longitude", "services", "diseases",
)


@dataclass
class ImportReport:
    """What an import kept and what it rejected, with the line of each rejection."""

    accepted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """Return a one-line human summary."""
        return f"{self.accepted} accepted, {len(self.rejected)} rejected"


def load_areas(path: Path = AREAS_CSV) -> int:
    """Upsert every area from the shipped CSV (parents before children)."""
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    level_order = {"province": 0, "prefecture": 1, "county": 2}
    rows.sort(key=lambda r: (level_order[r["level"]], r["code"]))
    records = [
        {
            "code": r["code"],
            "name": r["name"],
            "short_name": r["short_name"],
            "level": r["level"],
            "parent_code": r["parent_code"] or None,
            "province_code": r["province_code"],
            "pool_code": r["pool_code"] or None,
            "is_pool": r["is_pool"] == "1",
            "files_at_province_level": r["files_at_province_level"] == "1",
            "latitude": float(r["latitude"]) if r["latitude"] else None,
            "longitude": float(r["longitude"]) if r["longitude"] else None,
        }
        for r in rows
    ]
    # Sorted by level, a pool always precedes the rows pooling in it (or is the row itself).
    for start in range(0, len(records), 1000):
        upsert(db.session, Area.__table__, records[start:start + 1000], ["code"])
    reference_cache.forget("areas")
    return len(records)


def load_diseases(path: Path = DISEASES_YAML) -> int:
    """Upsert the chronic diseases from the shipped YAML."""
    items = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    rows = [
        {
            "code": d["code"],
            "name_zh": d["name_zh"],
            "name_en": d["name_en"],
            "synonyms": list(d.get("synonyms", [])),
            "national_since": d.get("national_since"),
            "active": d.get("active", True),
        }
        for d in items
    ]
    upsert(db.session, Disease.__table__, rows, ["code"])
    reference_cache.forget("diseases", "disease_names")
    return len(rows)


def _pool_codes() -> set[str]:
    return set(db.session.scalars(select(Area.code).where(Area.is_pool.is_(True))))


def _disease_codes() -> set[str]:
    return set(db.session.scalars(select(Disease.code)))


def disease_names(lang: str = "zh_CN") -> dict[str, str]:
    """Return every disease's name by code, in Chinese or English (from the reference cache)."""
    english = lang.startswith("en")
    names = reference_cache.cached("disease_names", lambda: {
        d.code: (d.name_zh, d.name_en) for d in db.session.scalars(select(Disease))})
    return {code: pair[1 if english else 0] for code, pair in names.items()}


def import_policies(path: Path) -> ImportReport:
    """Import policy documents from YAML; invalid documents are reported by line and skipped."""
    report = ImportReport()
    # Compose once (keeping each entry's line for the report), then construct per entry.
    loader = _YamlLoader(path.read_text(encoding="utf-8"))
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        line = exc.problem_mark.line + 1 if getattr(exc, "problem_mark", None) else 0
        report.rejected.append((line, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return report
    nodes = _policy_nodes(root)
    if nodes is None:
        report.rejected.append((1, "expected a mapping with a 'policies' list"))
        return report
    entries = []
    for node in nodes:
        try:
            entries.append((node.start_mark.line + 1, loader.construct_document(node)))
        except yaml.YAMLError as exc:
            report.rejected.append((node.start_mark.line + 1, f"not valid: {exc}"))
    return import_policy_documents(entries, report)


@transactional
def import_policy_documents(entries: list[tuple[int, dict]], report: ImportReport | None = None) -> ImportReport:
    """Validate and store (line, document) pairs; invalid ones are reported and skipped (one unit of work)."""
    report = report or ImportReport()
    pools, diseases = _pool_codes(), _disease_codes()
    touched = set()
    for line, doc in entries:
        problems = validate_policy(doc, pool_codes=pools, disease_codes=diseases)
        if not problems:
            problems = _store_policy(doc)
        if problems:
            report.rejected.append((line, "; ".join(problems)))
            continue
        touched.add(str(doc["area"]))
        report.accepted += 1
    for area in touched:
        _chain_effective_dates(area)
    return report


def _policy_nodes(root) -> list | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if key.value == "policies" and isinstance(value, yaml.SequenceNode):
            return value.value
    return None


def _store_policy(doc: dict) -> list[str]:
    area, start = str(doc["area"]), date.fromisoformat(str(doc["effective_from"]))
    existing = db.session.scalar(
        select(AreaPolicy).where(AreaPolicy.area_code == area, AreaPolicy.effective_from == start)
    )
    if existing is not None:
        in_use = db.session.scalar(select(Filing.id).where(Filing.policy_id == existing.id).limit(1))
        if in_use:
            # Decisions already cite this version; rewriting it would change history.
            return [f"the version from {start} is already used by decisions; import it with a new effective_from"]
        db.session.delete(existing)
        db.session.flush()
    filing = doc.get("filing") or {}
    reduction = doc.get("ratio_reduction") or {}
    policy = AreaPolicy(
        area_code=area,
        effective_from=start,
        is_sample=bool(doc.get("sample", False)),
        note=str(doc.get("note", ""))[:500],
        categories_offered=list(filing.get("categories_offered", [])),
        materials=dict(filing.get("materials", {})),
        commitment_letter_categories=list(filing.get("commitment_letter_categories", [])),
        self_service_enabled=bool(filing.get("self_service_enabled", True)),
        manual_review_categories=list(filing.get("manual_review_categories", [])),
        change_lock_months=filing.get("change_lock_months", 6),
        commitment_lock_months=filing.get("commitment_lock_months", 6),
        temporary_validity_months=filing.get("temporary_validity_months", 6),
        referral_validity_months=filing.get("referral_validity_months", 6),
        emergency_late_filing_days=filing.get("emergency_late_filing_days", 5),
        max_institutions=filing.get("max_institutions"),
        allowed_levels=filing.get("allowed_levels"),
        reduction_referral=Decimal(str(reduction.get("referral", "0.10"))),
        reduction_emergency=Decimal(str(reduction.get("emergency", "0.10"))),
        reduction_other_temporary=Decimal(str(reduction.get("other_temporary", "0.20"))),
        created_by=str(doc.get("created_by", "import")),
    )
    policy.reimbursement_rules = [
        ReimbursementRule(
            scheme=r["scheme"],
            person_status=r["person_status"],
            institution_level=str(r["institution_level"]),
            visit_type=r["visit_type"],
            deductible=Decimal(str(r["deductible"])),
            ratio=Decimal(str(r["ratio"])),
            annual_cap=Decimal(str(r["annual_cap"])),
        )
        for r in doc.get("reimbursement") or []
    ]
    policy.chronic_diseases = [
        AreaChronicDisease(
            disease_code=item["code"] if isinstance(item, dict) else item,
            fixed_monthly_amount=(
                Decimal(str(item["fixed_monthly_amount"]))
                if isinstance(item, dict) and item.get("fixed_monthly_amount") is not None
                else None
            ),
        )
        for item in doc.get("chronic_diseases") or []
    ]
    db.session.add(policy)
    db.session.flush()
    return []


def _chain_effective_dates(area: str) -> None:
    versions = db.session.scalars(
        select(AreaPolicy).where(AreaPolicy.area_code == area).order_by(AreaPolicy.effective_from)
    ).all()
    for current, following in zip(versions, versions[1:] + [None]):
        current.effective_to = following.effective_from - timedelta(days=1) if following else None


def current_policy(area_code: str, on: date) -> AreaPolicy | None:
    """Return the policy version of an area in force on a date."""
    return db.session.scalars(_policy_in_force(), {"area": area_code, "on": on}).first()


def policy_row_in_force(area_code: str, on: date):
    """The same policy version as a plain row (column attributes only): what the chat reads on most turns."""
    return db.session.connection().execute(_policy_row_in_force(), {"area": area_code, "on": on}).first()


@cache
def _policy_row_in_force():
    table = AreaPolicy.__table__
    return (select(table).where(table.c.area_code == bindparam("area"), table.c.effective_from <= bindparam("on"))
            .order_by(table.c.effective_from.desc()).limit(1))


@cache
def _policy_in_force():
    """The same query, loading the AreaPolicy object (built once)."""
    return select(AreaPolicy).from_statement(_policy_row_in_force())


def _parse_institution(row: dict, areas: dict[str, str | None], diseases: set[str]) -> tuple[dict, list]:
    """Validate one CSV row; return (record, disease codes) or raise ValueError(reason)."""
    missing = [c for c in ("code", "name", "area_code", "level", "kind") if not (row.get(c) or "").strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    code, name = row["code"].strip(), row["name"].strip()
    if len(code) > 32 or len(name) > 128:
        raise ValueError("code or name too long")
    area, district = row["area_code"].strip(), (row.get("district_code") or "").strip() or None
    if areas.get(area, "") != area:
        raise ValueError(f"area_code {area} is not a co-ordination area")
    if district is not None and areas.get(district, "") != area:
        raise ValueError(f"district_code {district} is not in area {area}")
    if row["level"].strip() not in LEVELS:
        raise ValueError(f"level {row['level']!r} is not one of {', '.join(LEVELS)}")
    if row["kind"].strip() not in KINDS:
        raise ValueError(f"kind {row['kind']!r} is not one of {', '.join(KINDS)}")
    lat, lon = _coordinate(row.get("latitude"), 90, "latitude"), _coordinate(row.get("longitude"), 180, "longitude")
    services = [s for s in (row.get("services") or "").split(";") if s.strip()]
    unknown = [s for s in services if s not in SERVICES]
    if unknown or not services:
        raise ValueError(f"services must be a ;-list of {', '.join(SERVICES)}")
    disease_codes = [d for d in (row.get("diseases") or "").split(";") if d.strip()]
    bad = [d for d in disease_codes if d not in diseases]
    if bad:
        raise ValueError(f"unknown disease {', '.join(bad)}")
    if disease_codes and "chronic" not in services:
        raise ValueError("diseases given but the chronic service is not")
    aliases = [a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()]
    if any(len(a) < 2 or len(a) > 32 for a in aliases) or len(";".join(aliases)) > 256:
        raise ValueError("aliases must be ;-separated names of 2 to 32 characters, 256 in all")
    full, initials = pinyin.keys(name)
    level = row["level"].strip()
    record = {
        "code": code, "name": name, "area_code": area, "district_code": district, "level": level,
        "level_rank": search_keys.level_rank(level), "kind": row["kind"].strip(), "latitude": lat, "longitude": lon,
        "name_pinyin": full, "name_initials": initials, "is_sample": code.startswith("S"), "aliases": ";".join(aliases),
        **{f"net_{s}": s in services for s in SERVICES},
    }
    return record, disease_codes


def _coordinate(raw: str | None, limit: int, name: str) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} {raw!r} is not a number") from None
    if not -limit <= value <= limit:
        raise ValueError(f"{name} {raw} is out of range")
    return value


def import_institutions(path: Path, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import institutions from CSV: good rows are upserted, bad rows reported by line.

    The rows commit in a unit of work of their own before the planner's statistics are refreshed
    (which reads them on another connection).
    """
    report = ImportReport()
    with unit_of_work(separately=True):
        if not _import_institutions(path, report, progress):
            return report
    refresh_planner_statistics()
    reference_cache.forget("institution_names")
    return report


def _import_institutions(path: Path, report: ImportReport, progress: Callable[[int], None] | None) -> bool:
    """Upsert the good rows of the file into report; False when the file lacks columns (nothing stored)."""
    areas = dict(db.session.execute(select(Area.code, Area.pool_code)).all())
    diseases = _disease_codes()
    seen: set[str] = set()
    batch: list[tuple[dict, list]] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        absent = [c for c in INSTITUTION_COLUMNS if c not in (reader.fieldnames or [])]
        if absent:
            report.rejected.append((1, f"missing columns: {', '.join(absent)}"))
            return False
        for row in reader:
            line = reader.line_num
            try:
                record, codes = _parse_institution(row, areas, diseases)
                if record["code"] in seen:
                    raise ValueError(f"code {record['code']} appears twice in the file")
            except ValueError as exc:
                report.rejected.append((line, str(exc)))
                continue
            seen.add(record["code"])
            batch.append((record, codes))
            if len(batch) >= 2000:
                report.accepted += _store_institutions(batch)
                batch = []
            if progress:
                progress(1)
    report.accepted += _store_institutions(batch)
    return True


def _store_institutions(batch: list[tuple[dict, list]]) -> int:
    if not batch:
        return 0
    upsert(db.session, Institution.__table__, [r for r, _ in batch], ["code"])
    codes = [r["code"] for r, _ in batch]
    db.session.execute(delete(InstitutionDisease).where(InstitutionDisease.institution_code.in_(codes)))
    links = [{"institution_code": r["code"], "disease_code": d} for r, ds in batch for d in ds]
    insert_ignore(db.session, InstitutionDisease.__table__, links, ["institution_code", "disease_code"])
    # Keys only grow here: a renamed row leaves a stale key, which widens a search, never hides a result.
    store_name_keys(db.session.connection(), name_key_rows(r for r, _ in batch))
    return len(batch)
