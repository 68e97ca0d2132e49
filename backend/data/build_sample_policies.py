"""Write backend/data/sample_policies.yaml: SAMPLE policies for every co-ordination area.

The numbers are plausible, not real: deductibles, ratios and caps vary around
published national practice, deterministically per area code, so that tests and
demos see different areas behave differently. Operators replace the file (or
import their own with `flask --app wsgi import-policies FILE`).

Run: python backend/data/build_sample_policies.py
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

LONG_TERM = ["retiree_resettled", "long_term_resident", "posted_worker"]
ALL_CATEGORIES = LONG_TERM + ["referral", "emergency", "other_temporary"]
FIRST_FIVE = ["hypertension", "diabetes", "malignant_tumour_outpatient", "uraemia_dialysis", "transplant_anti_rejection"]
LATER_FIVE = ["copd", "viral_hepatitis", "coronary_heart_disease", "rheumatoid_arthritis", "ankylosing_spondylitis"]

# Areas whose sample values are pinned because documents and tests quote them.
LANGFANG, SHENZHEN, HEFEI, SHENYANG = "131000", "440300", "340100", "210100"


def _pick(code: str, salt: str, options: list):
    digest = hashlib.sha256(f"{code}:{salt}".encode()).digest()
    return options[digest[0] % len(options)]


def _materials(code: str, commitment: bool) -> dict:
    letter = [["commitment_letter"]] if commitment else []
    referral = [] if code == SHENZHEN else [["referral_certificate"]]
    return {
        "retiree_resettled": [["household_register", "residence_registration"]] + letter,
        "long_term_resident": [["residence_permit"], ["community_residence_proof"]] + letter,
        "posted_worker": [["posting_letter"], ["work_unit_proof"], ["labour_contract"]] + letter,
        "referral": referral,
        "emergency": [],
        "other_temporary": [],
    }


def _rules(code: str) -> list[dict]:
    rules = []
    cap_emp = _pick(code, "cap_emp", [300000, 400000, 450000, 500000])
    cap_res = _pick(code, "cap_res", [150000, 200000, 250000])
    bump = _pick(code, "bump", [0, 2, 5])  # percentage points of local generosity
    for level, ded, ratio in (("3", 1200, 85), ("2", 800, 88), ("1", 400, 90)):
        ded = ded + _pick(code, f"ded{level}", [-200, 0, 100, 300])
        for status, extra in (("working", 0), ("retired", 5)):
            rules.append(_rule("employee", status, level, "inpatient", ded, min(95, ratio + extra + bump) / 100, cap_emp))
        rules.append(_rule("resident", "any", level, "inpatient", ded, (ratio - 25 + bump) / 100, cap_res))
    out_ded = _pick(code, "out_ded", [1000, 1500, 1800, 2000])
    for status, ratio in (("working", 60), ("retired", 70)):
        rules.append(_rule("employee", status, "any", "outpatient", out_ded, (ratio + bump) / 100, 6000))
    rules.append(_rule("resident", "any", "any", "outpatient", 100, 0.50, 500))
    chronic_working = 0.75 if code == LANGFANG else (75 + bump) / 100
    chronic_retired = 0.80 if code == LANGFANG else (80 + bump) / 100
    rules.append(_rule("employee", "working", "any", "chronic", 0, chronic_working, 50000))
    rules.append(_rule("employee", "retired", "any", "chronic", 0, chronic_retired, 50000))
    rules.append(_rule("resident", "any", "any", "chronic", 0, 0.60, 20000))
    return rules


def _rule(scheme, status, level, visit, deductible, ratio, cap) -> dict:
    return {
        "scheme": scheme,
        "person_status": status,
        "institution_level": level,
        "visit_type": visit,
        "deductible": f"{deductible:.2f}",
        "ratio": f"{ratio:.4f}",
        "annual_cap": f"{cap:.2f}",
    }


def policy_for(code: str) -> dict:
    """Return the sample policy document for one pool area."""
    commitment = code in (HEFEI, SHENYANG, LANGFANG) or _pick(code, "letter", [True] * 6 + [False])
    self_service = code in (HEFEI, SHENYANG, SHENZHEN, LANGFANG) or _pick(code, "self", [True] * 5 + [False])
    diseases = [{"code": d} for d in FIRST_FIVE]
    if code in (SHENYANG, LANGFANG) or _pick(code, "later", [True, True, False]):
        diseases += [{"code": d} for d in LATER_FIVE]
    if _pick(code, "dialysis_fixed", [True, False, False]):
        diseases[3]["fixed_monthly_amount"] = f"{_pick(code, 'dialysis_amt', [5000, 6000, 7000, 8000]):.2f}"
    restricted = _pick(code, "restricted", [False] * 19 + [True])
    return {
        "area": code,
        "effective_from": "2025-01-01",
        "sample": True,
        "note": "SAMPLE policy generated for demonstration; not the area's real rules.",
        "filing": {
            "categories_offered": ALL_CATEGORIES,
            "materials": _materials(code, commitment),
            "commitment_letter_categories": LONG_TERM if commitment else [],
            "self_service_enabled": self_service,
            "manual_review_categories": [] if self_service else LONG_TERM,
            "change_lock_months": _pick(code, "lock", [6, 6, 6, 3]),
            "commitment_lock_months": 6,
            "temporary_validity_months": _pick(code, "tmp", [6, 6, 12]),
            "referral_validity_months": _pick(code, "ref", [3, 6, 12]),
            "emergency_late_filing_days": _pick(code, "late", [5, 7, 10]),
            "max_institutions": 3 if restricted else None,
            "allowed_levels": ["3A", "3B", "3", "2A", "2"] if restricted else None,
        },
        "ratio_reduction": {"referral": "0.10", "emergency": "0.10", "other_temporary": "0.20"},
        "reimbursement": _rules(code),
        "chronic_diseases": diseases,
    }


def main() -> None:
    """Write the YAML file for every pool in areas.csv."""
    with open(HERE / "areas.csv", encoding="utf-8") as fh:
        pools = [row["code"] for row in csv.DictReader(fh) if row["is_pool"] == "1"]
    header = (
        "# SAMPLE POLICIES - plausible numbers for demonstration and tests, NOT real local rules.\n"
        "# Generated by backend/data/build_sample_policies.py; replace with real data via\n"
        "# `flask --app wsgi import-policies FILE.yaml` (same format).\n"
    )
    body = yaml.safe_dump({"policies": [policy_for(c) for c in pools]}, allow_unicode=True, sort_keys=False)
    (HERE / "sample_policies.yaml").write_text(header + body, encoding="utf-8")
    print(f"wrote {len(pools)} sample policies")


if __name__ == "__main__":
    main()
