"""The settlement service's use cases: registration (the hand-off), readiness and estimates.

These functions own the settlement side's records and commit them, each write in its unit of work;
the assistant reaches them only through the client port (backend/adapters/settlement.py), in-process
(in an app context, hence a session and unit of work, of its own) or over HTTP.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from backend.extensions import db
from backend.lib import clock
from backend.models import (Area, AreaPolicy, CatalogueItem, Disease, Institution, ReimbursementRule,
                            SettlementEstimate, SettlementFiling, SettlementRegistration)
from backend.rules import readiness as readiness_rules
from backend.rules import settlement as money_rules
from backend.rules.institution_choice import InstitutionView
from backend.lib.errors import DomainError, NotFound
from backend.lib.jsonable import jsonable
from backend.services.unit_of_work import transactional, unit_of_work

EVENT_STATUS = {"registered": "registered", "cancelled": "cancelled", "superseded": "superseded"}
TEMPORARY = {"referral": "reduction_referral", "emergency": "reduction_emergency",
             "other_temporary": "reduction_other_temporary"}
LEVEL_GROUP = {"3A": "3", "3B": "3", "3": "3", "2A": "2", "2": "2", "1": "1", "none": "1"}


class InvalidEstimate(DomainError):
    """An amount, ratio or item cannot be used; names the field."""

    code, status = "invalid_estimate", 400


class IdempotencyKeyReused(DomainError):
    """The idempotency key was already used by another filing version: the sender has a bug."""

    code, status = "idempotency_key_reused", 409


# --- registration (the hand-off) -------------------------------------------------------------

def _answer(row: SettlementFiling, version: int, duplicate: bool, received_at: datetime) -> dict:
    return {"reference": row.reference, "version": version, "status": row.status, "duplicate": duplicate,
            "received_at": received_at.isoformat()}


def register(message: dict) -> dict:
    """Apply one hand-off exactly once: a repeat of reference+version answers the stored outcome."""
    ref, version = message["reference"], int(message["version"])
    seen = _received(ref, version)
    if seen is not None:
        return _answer(db.session.get(SettlementFiling, ref), version, True, seen.received_at)
    row = db.session.get(SettlementFiling, ref)
    now = clock.now()
    if row is not None and row.version > version:
        # An older version after a newer one: keep the newer state, record nothing new.
        return _answer(row, version, True, now)
    payload = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in message.items()}
    try:
        with unit_of_work():
            db.session.add(SettlementRegistration(reference=ref, version=version, event=message["event"],
                                                  idempotency_key=message["idempotency_key"], payload=payload,
                                                  received_at=now))
            if row is None:
                row = SettlementFiling(reference=ref, registered_at=now)
                db.session.add(row)
            row.version, row.status = version, EVENT_STATUS[message["event"]]
            row.person_id_hash, row.category = message["person_id_hash"], message["category"]
            row.insured_area_code, row.treatment_area_code = message["insured_area"], message["treatment_area"]
            row.start_date, row.end_date = _day(message["start_date"]), _day(message.get("end_date"))
            row.chosen_institutions = list(message.get("institutions") or [])
            row.updated_at = now
    except IntegrityError:
        # A concurrent delivery of the same message won (the unit of work rolled ours back); answer what it stored.
        seen = _received(ref, version)
        if seen is None and _key_taken(message["idempotency_key"]):
            raise IdempotencyKeyReused(reference=ref, version=version) from None
        if seen is None:
            raise
        return _answer(db.session.get(SettlementFiling, ref), version, True, seen.received_at)
    return _answer(row, version, False, now)


def _key_taken(key: str) -> bool:
    return db.session.scalar(select(SettlementRegistration.id).where(
        SettlementRegistration.idempotency_key == key)) is not None


def _received(ref: str, version: int) -> SettlementRegistration | None:
    return db.session.scalar(select(SettlementRegistration).where(
        SettlementRegistration.reference == ref, SettlementRegistration.version == version))


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def registration(reference: str) -> dict:
    """Return the settlement side's state of a filing."""
    row = db.session.get(SettlementFiling, reference)
    if row is None:
        raise NotFound("filing_not_found", reference=reference)
    return _answer(row, row.version, False, row.updated_at)


# --- readiness ----------------------------------------------------------------------------------

def maintenance_windows() -> tuple[readiness_rules.Window, ...]:
    """Parse SETTLEMENT_MAINTENANCE ("2026-12-05T00:00/2026-12-05T06:00,...", China time)."""
    windows = []
    for part in filter(None, (p.strip() for p in current_app.config.get("SETTLEMENT_MAINTENANCE", "").split(","))):
        start, _, end = part.partition("/")
        windows.append(readiness_rules.Window(datetime.fromisoformat(start), datetime.fromisoformat(end)))
    return tuple(windows)


def readiness(request: dict) -> dict:
    """Predict whether direct settlement will work, with every failing reason and what to do."""
    inst = db.session.get(Institution, request["institution"])
    if inst is None:
        raise NotFound("institution_not_found", institution=request["institution"])
    view = InstitutionView(inst.code, inst.name, inst.area_code, inst.level, tuple(inst.services),
                           tuple(d.disease_code for d in inst.diseases))
    rows = db.session.scalars(select(SettlementFiling).where(
        SettlementFiling.person_id_hash == request["person_id_hash"],
        SettlementFiling.status == "registered"))
    on = _day(request["date"])
    filings = [readiness_rules.RegisteredFiling(r.reference, r.status, r.category, r.treatment_area_code,
                                                r.start_date, r.end_date, tuple(r.chosen_institutions or ()),
                                                _choice_required(r.insured_area_code, on)) for r in rows]
    person = readiness_rules.PersonFacts(
        insurance_status=request.get("insurance_status", "normal"),
        contribution_status=request.get("contribution_status", "paid"),
        qualifications=tuple(request.get("qualifications") or ()),
        credential_activated=request.get("credential_activated"), living_there=request.get("living_there"))
    result = readiness_rules.check(filings, view, request["service"], on, person, disease=request.get("disease"),
                                   maintenance=maintenance_windows())
    names = _names([inst.area_code] + [f.treatment_area_code for f in filings], request.get("disease"))
    lang = request.get("lang", "zh_CN")
    return {"ready": result.ready, "filing_reference": result.filing_reference, "institution": inst.code,
            "institution_name": inst.name, "checks": [{"code": c.code, "passed": c.passed} for c in result.checks],
            "reasons": [readiness_rules.explain(c, lang, names) for c in result.failed()]}


def _choice_required(insured_area: str, on: date) -> bool:
    """Return whether the insured area's policy on that day limits care to chosen institutions."""
    # The service reads the area policies it holds for estimates (imported, or shared when embedded).
    policy = db.session.scalar(select(AreaPolicy).where(AreaPolicy.area_code == insured_area,
                                                        AreaPolicy.effective_from <= on)
                               .order_by(AreaPolicy.effective_from.desc()).limit(1))
    return policy is not None and policy.max_institutions is not None


def _names(area_codes: list[str], disease: str | None) -> dict:
    names = {a.code: a.name for a in db.session.scalars(select(Area).where(Area.code.in_(set(area_codes))))}
    if disease:
        found = db.session.get(Disease, disease)
        names[disease] = found.name_zh if found else disease
    return names


# --- estimates -----------------------------------------------------------------------------------

def _policy(request: dict, on: date) -> tuple[money_rules.Policy, str, bool]:
    area_policy = db.session.scalar(
        select(AreaPolicy).options(selectinload(AreaPolicy.reimbursement_rules))
        .where(AreaPolicy.area_code == request["insured_area"], AreaPolicy.effective_from <= on)
        .order_by(AreaPolicy.effective_from.desc()).limit(1))
    rule = _rule(area_policy, request) if area_policy else None
    override = request.get("policy") or {}
    values = {"deductible": rule.deductible if rule else None, "ratio": rule.ratio if rule else None,
              "annual_cap": rule.annual_cap if rule else None}
    for name in values:
        if override.get(name) is not None:
            parse = money_rules.ratio if name == "ratio" else money_rules.money
            values[name] = _parse(parse, override[name], f"policy.{name}")
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise InvalidEstimate("no_policy", field=f"policy.{missing[0]}", area=request["insured_area"])
    reduction = Decimal("0")
    if area_policy is not None and request.get("category") in TEMPORARY:
        reduction = getattr(area_policy, TEMPORARY[request["category"]]) or Decimal("0")
    source = "override" if override else "area_policy"
    return (money_rules.Policy(values["deductible"], values["ratio"], values["annual_cap"], reduction), source,
            bool(area_policy and area_policy.is_sample))


def _rule(policy: AreaPolicy, request: dict) -> ReimbursementRule | None:
    level = LEVEL_GROUP.get(request.get("institution_level", "3"), "3")

    def score(r: ReimbursementRule) -> tuple:
        return (r.person_status == request.get("person_status"), r.institution_level == level)

    candidates = [r for r in policy.reimbursement_rules
                  if r.scheme == request.get("scheme", "employee") and r.visit_type == request["visit_type"]
                  and r.person_status in (request.get("person_status"), "any") and r.institution_level in (level, "any")]
    return max(candidates, key=score) if candidates else None


def _parse(parse, raw, field: str, **kwargs):
    try:
        return parse(raw, field, **kwargs)
    except money_rules.InvalidAmount as exc:
        raise InvalidEstimate("invalid_amount", field=exc.field, reason=exc.reason) from None


def _items(request: dict) -> tuple[list[money_rules.Item], bool]:
    """Return the priced items, and whether a sample catalogue row priced any of them."""
    area = request["treatment_area"]
    codes = {i["code"] for i in request["items"]}
    catalogue: dict[str, CatalogueItem] = {}
    # A city's own entry wins over its province's catalogue.
    for row in db.session.scalars(select(CatalogueItem).where(
            CatalogueItem.code.in_(codes), CatalogueItem.area_code.in_({area, area[:2] + "0000"}))):
        if row.code not in catalogue or row.area_code == area:
            catalogue[row.code] = row
    items, sample = [], False
    for n, raw in enumerate(request["items"]):
        known = catalogue.get(raw["code"])
        sample = sample or bool(known is not None and known.sample)
        category = raw.get("category") or (known.category if known else "C")
        ratio_raw = raw.get("first_self_pay_ratio")
        first = (_parse(money_rules.ratio, ratio_raw, f"items[{n}].first_self_pay_ratio") if ratio_raw is not None
                 else (known.first_self_pay_ratio if known else Decimal("0")))
        items.append(money_rules.Item(
            code=raw["code"], name=raw.get("name") or (known.name if known else raw["code"]),
            amount=_parse(money_rules.money, raw["amount"], f"items[{n}].amount"), category=category,
            first_self_pay_ratio=first, price_ceiling=known.price_ceiling if known else None))
    return items, sample


def estimate(request: dict, *, record: bool = True) -> dict:
    """Estimate what the fund and the person pay, line by line, in both languages."""
    on = request.get("date") or clock.today()
    ytd_raw = request.get("year_to_date") or {}
    ytd = money_rules.YearToDate(
        _parse(money_rules.money, ytd_raw.get("deductible_met", "0"), "year_to_date.deductible_met"),
        _parse(money_rules.money, ytd_raw.get("fund_paid", "0"), "year_to_date.fund_paid"))
    items, sample_catalogue = _items(request)
    policy, source, sample = _policy(request, _day(on))
    result = money_rules.estimate(items, policy, ytd)
    zh_lines, zh_summary = money_rules.explain(result, "zh_CN")
    en_lines, en_summary = money_rules.explain(result, "en")
    answer = {
        "total": str(result.total), "in_scope": str(result.in_scope), "first_self_pay": str(result.first_self_pay),
        "out_of_scope": str(result.out_of_scope), "deductible_applied": str(result.deductible_applied),
        "ratio_applied": str(result.ratio_applied), "fund_pays": str(result.fund_pays),
        "person_pays": str(result.person_pays), "cap_reached": result.cap_reached, "policy_source": source,
        "sample_policy": sample, "sample_catalogue": sample_catalogue, "explanation": zh_summary, "explanation_en": en_summary,
        "lines": [{"code": line.code, "name": line.name, "amount": str(line.amount), "category": line.category,
                   "in_scope": str(line.in_scope), "first_self_pay": str(line.first_self_pay),
                   "out_of_scope": str(line.out_of_scope), "explanation": zh, "explanation_en": en}
                  for line, zh, en in zip(result.lines, zh_lines, en_lines)],
        "estimate_id": None,
    }
    if record:
        row = SettlementEstimate(insured_area_code=request["insured_area"],
                                 treatment_area_code=request["treatment_area"], visit_type=request["visit_type"],
                                 total=result.total, fund_pays=result.fund_pays, person_pays=result.person_pays,
                                 request=jsonable(request))
        with unit_of_work():
            db.session.add(row)
        answer["estimate_id"] = row.id
    return answer


# --- catalogue --------------------------------------------------------------------------------------

@transactional
def import_catalogue(path: Path) -> int:
    """Upsert catalogue items from YAML ({area: {code: {name, category, first_self_pay_ratio, price_ceiling}}})."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    sample = bool(doc.get("sample", False))
    count = 0
    for area, items in (doc.get("areas") or {}).items():
        area = str(area)
        existing = {r.code: r for r in db.session.scalars(select(CatalogueItem).where(CatalogueItem.area_code == area))}
        for code, spec in items.items():
            row = existing.get(str(code)) or CatalogueItem(area_code=area, code=str(code))
            row.name, row.category = spec["name"], spec["category"]
            row.first_self_pay_ratio = Decimal(str(spec.get("first_self_pay_ratio", "0")))
            ceiling = spec.get("price_ceiling")
            row.price_ceiling = Decimal(str(ceiling)) if ceiling is not None else None
            row.sample = sample
            db.session.add(row)
            count += 1
    return count
