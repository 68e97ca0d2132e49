"""Validate an area policy document before it can be stored (pure, no I/O)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from backend.rules.settlement import MAX_AMOUNT
from dialogs.categories import CATEGORIES
from dialogs.prompts.catalogue import both

SCHEMES = ("employee", "resident")
PERSON_STATUSES = ("working", "retired", "any")
RULE_LEVELS = ("3", "2", "1", "any")
VISIT_TYPES = ("inpatient", "outpatient", "chronic")
INSTITUTION_LEVELS = ("3A", "3B", "3", "2A", "2", "1", "none")
MONTH_FIELDS = (
    "change_lock_months", "commitment_lock_months", "temporary_validity_months",
    "referral_validity_months", "emergency_late_filing_days",
)
_MONTHS = (0, 120, both("console", "whole_0_120", " / "))
# The bounds of a policy's whole numbers and what a person reads when one is outside them: one table for
# the console form (backend/console/policy_form.py) and every import (YAML, the settlement service's).
BOUNDS: dict[str, tuple[int, int, str]] = {
    "change_lock_months": _MONTHS,
    "commitment_lock_months": _MONTHS,
    "temporary_validity_months": _MONTHS,
    "referral_validity_months": _MONTHS,
    "emergency_late_filing_days": (0, 365, both("console", "whole_0_365", " / ")),
    "max_institutions": (1, 20, both("console", "whole_1_20_or_empty", " / ")),
}


def _whole(value, field: str) -> bool:
    low, high, _ = BOUNDS[field]
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _decimal(value, field: str, errors: list[str]) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(f"{field}: not a number ({value!r})")
        return None
    if not number.is_finite():
        errors.append(f"{field}: not a finite number")
        return None
    if abs(number) > MAX_AMOUNT:
        errors.append(f"{field}: more than {MAX_AMOUNT} ({value})")
        return None
    return number


def _ratio(value, field: str, errors: list[str]) -> Decimal | None:
    number = _decimal(value, field, errors)
    if number is not None and not Decimal(0) <= number <= Decimal(1):
        errors.append(f"{field}: ratio must be between 0 and 1 ({value})")
    return number


def validate_policy(doc: dict, *, pool_codes: set[str], disease_codes: set[str]) -> list[str]:
    """Return the list of problems in a policy document; empty means valid."""
    errors: list[str] = []
    if not isinstance(doc, dict):
        return ["policy must be a mapping"]
    area = str(doc.get("area", ""))
    if area not in pool_codes:
        errors.append(f"area: unknown co-ordination area {area!r}")
    try:
        date.fromisoformat(str(doc.get("effective_from", "")))
    except ValueError:
        errors.append(f"effective_from: not an ISO date ({doc.get('effective_from')!r})")
    filing = doc.get("filing") or {}
    if not isinstance(filing, dict):
        return errors + ["filing: must be a mapping"]
    for cat in filing.get("categories_offered", []):
        if cat not in CATEGORIES:
            errors.append(f"filing.categories_offered: unknown category {cat!r}")
    for cat in list(filing.get("materials", {})) + list(filing.get("commitment_letter_categories", [])):
        if cat not in CATEGORIES:
            errors.append(f"filing.materials: unknown category {cat!r}")
    for field in MONTH_FIELDS:
        value = filing.get(field, 0)
        if not _whole(value, field):
            errors.append(f"filing.{field}: {BOUNDS[field][2]} ({value!r})")
    max_inst = filing.get("max_institutions")
    if max_inst is not None and not _whole(max_inst, "max_institutions"):
        errors.append(f"filing.max_institutions: {BOUNDS['max_institutions'][2]} ({max_inst!r})")
    for level in filing.get("allowed_levels") or []:
        if level not in INSTITUTION_LEVELS:
            errors.append(f"filing.allowed_levels: unknown level {level!r}")
    for key, value in (doc.get("ratio_reduction") or {}).items():
        if key not in ("referral", "emergency", "other_temporary"):
            errors.append(f"ratio_reduction: unknown category {key!r}")
        _ratio(value, f"ratio_reduction.{key}", errors)
    seen = set()
    for i, rule in enumerate(doc.get("reimbursement") or []):
        where = f"reimbursement[{i}]"
        key = tuple(rule.get(k) for k in ("scheme", "person_status", "institution_level", "visit_type"))
        if key in seen:
            errors.append(f"{where}: duplicate rule {key}")
        seen.add(key)
        for field, allowed in zip(key, (SCHEMES, PERSON_STATUSES, RULE_LEVELS, VISIT_TYPES)):
            if field not in allowed:
                errors.append(f"{where}: {field!r} is not one of {', '.join(allowed)}")
        deductible = _decimal(rule.get("deductible"), f"{where}.deductible", errors)
        cap = _decimal(rule.get("annual_cap"), f"{where}.annual_cap", errors)
        _ratio(rule.get("ratio"), f"{where}.ratio", errors)
        if deductible is not None and deductible < 0:
            errors.append(f"{where}.deductible: must be >= 0")
        if deductible is not None and cap is not None and cap < deductible:
            errors.append(f"{where}.annual_cap: must be >= the deductible")
    for item in doc.get("chronic_diseases") or []:
        code = item.get("code") if isinstance(item, dict) else item
        if code not in disease_codes:
            errors.append(f"chronic_diseases: unknown disease {code!r}")
        amount = item.get("fixed_monthly_amount") if isinstance(item, dict) else None
        if amount is not None:
            value = _decimal(amount, f"chronic_diseases.{code}.fixed_monthly_amount", errors)
            if value is not None and value <= 0:
                errors.append(f"chronic_diseases.{code}.fixed_monthly_amount: must be > 0")
    return errors
