"""The labelled corpus of what people say is well-formed: known intents, steps, slots and values.

The corpus is the yardstick of the intent classifier and the slot extractor (issue #16), so a typo in a
label would silently lower or inflate their scores. This checks the labels against the product's own
data (areas.csv, diseases.yaml) and against the steps' offered choices; it never runs the NLU.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus" / "utterances.yaml"
# Held out from tuning, to measure generalisation; labelled by the same rules, so checked the same way.
HELDOUT = CORPUS.with_name("heldout.yaml")

INTENTS = {
    "file", "my_filings", "who_filed", "cancel_filing", "change_filing", "find_institution", "will_settle",
    "chronic_check", "estimate", "explain", "help", "human", "large_text", "normal_text", "language", "back",
    "restart", "stop", "answer", "correct", "bind_identity", "chitchat", "unclear",
}

# The options each step offers; None for a step that asks a free answer (a city, a date, an amount).
STEPS = {
    "idle": {"filing", "institution", "my_filings", "settlement"},
    "filing.principal": {"self", "member", "stop"},
    "filing.insured_area": None,
    "filing.treatment_area": None,
    "filing.existing_action": {"change", "other_area", "stop"},
    "filing.category_group": {"long_term", "temporary"},
    "filing.category": {"retiree_resettled", "long_term_resident", "posted_worker"},
    "filing.start_date": {"today"},
    "filing.end_date": {"default_end"},
    "filing.materials": {"commitment_letter", "documents"},
    "filing.commitment": {"signed", "documents"},
    "filing.phone": {"profile"},
    "filing.confirmed": {"yes", "edit"},
    "institution.care": {"inpatient", "outpatient", "chronic", "pharmacy"},
    "institution.area": None,
    "chronic.disease": None,
    "chronic.area": None,
    "cancel.confirmed": {"confirm", "keep"},
    "settlement.amount": None,
}

# Steps people linger on, where questions and corrections are said most: they need more examples.
BUSY_STEPS = {"filing.materials", "filing.commitment", "filing.confirmed"}

RELATIONS = {"mother", "father", "spouse", "child", "parent", "grandparent", "other"}
CATEGORIES = {"retiree_resettled", "long_term_resident", "posted_worker", "referral", "emergency", "other_temporary"}
VISITS = {"inpatient", "outpatient", "chronic", "pharmacy"}
TERMS = {
    "commitment_letter", "filing", "insured_area", "treatment_area", "direct_settlement", "manual_reimbursement",
    "chronic_disease", "qualification", "networked_institution", "category", "deductible", "reimbursement_ratio",
    "e_voucher", "lock_period",
}
FIELDS = {"principal", "insured_area", "treatment_area", "category", "start_date", "end_date", "materials", "phone"}
LANGS = {"en", "zh_CN"}
AREA_SLOTS = {"area", "insured_area", "treatment_area"}
SLOTS = AREA_SLOTS | {
    "principal", "relation", "category", "start_date", "end_date", "disease", "visit", "amount", "phone",
    "option", "term", "lang", "field",
}

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AMOUNT = re.compile(r"^(0|[1-9]\d*)(\.\d{1,2})?$")
# A mobile number, or a landline with its area code (010 + 8 digits up to 0xxx + 8 digits).
PHONE = re.compile(r"^(1\d{10}|0\d{9,11})$")


@lru_cache(maxsize=None)
def entries(corpus: Path = CORPUS) -> list:
    return yaml.safe_load(corpus.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def area_codes() -> frozenset:
    """Return the co-ordination (pool) codes and the province codes: the only codes a label may carry."""
    with open(ROOT / "backend" / "data" / "areas.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return frozenset({r["pool_code"] for r in rows if r["pool_code"]} | {r["code"] for r in rows if r["level"] == "province"})


@lru_cache(maxsize=1)
def disease_codes() -> frozenset:
    data = yaml.safe_load((ROOT / "backend" / "data" / "diseases.yaml").read_text(encoding="utf-8"))
    return frozenset(d["code"] for d in data)


def problems_of(entry) -> list[str]:
    """Return what is wrong with one labelled entry (empty when it is well-formed)."""
    if not isinstance(entry, dict) or set(entry) != {"text", "step", "intent", "slots"}:
        return [f"entry must have exactly text, step, intent, slots: {entry!r}"]
    text, step, intent, slots = entry["text"], entry["step"], entry["intent"], entry["slots"]
    found = []
    if not isinstance(text, str) or (not text.strip() and intent != "unclear"):
        found.append("text must be a string, blank only for an unclear message")
    if step not in STEPS:
        found.append(f"unknown step {step!r}")
    if intent not in INTENTS:
        found.append(f"unknown intent {intent!r}")
    if intent == "answer" and step == "idle":
        found.append("an answer is said inside a step, not at idle")
    if not isinstance(slots, dict):
        return found + ["slots must be a mapping"]
    for name, value in slots.items():
        if name not in SLOTS:
            found.append(f"unknown slot {name!r}")
        elif not isinstance(value, str) or not value:
            found.append(f"slot {name} must be a non-empty string, not {value!r}")
    if found:
        return found
    return found + value_problems(step, intent, slots)


def value_problems(step: str, intent: str, slots: dict) -> list[str]:
    found = []
    for name in AREA_SLOTS & set(slots):
        if slots[name] not in area_codes():
            found.append(f"{name} {slots[name]} is neither a pool code nor a province code in areas.csv")
    for name in {"start_date", "end_date"} & set(slots):
        try:
            ok = bool(ISO_DATE.match(slots[name])) and date.fromisoformat(slots[name]) is not None
        except ValueError:
            ok = False
        if not ok:
            found.append(f"{name} {slots[name]!r} is not an ISO date")
    if "principal" in slots and slots["principal"] not in {"self", "relative"}:
        found.append(f"principal {slots['principal']!r}")
    if "relation" in slots and (slots["relation"] not in RELATIONS or slots.get("principal") != "relative"):
        found.append("relation must be a known relation and come with principal: relative")
    if slots.get("principal") == "relative" and "relation" not in slots:
        found.append("principal: relative needs its relation")
    checks = (("category", CATEGORIES), ("visit", VISITS), ("disease", disease_codes()), ("term", TERMS),
              ("lang", LANGS), ("field", FIELDS))
    found += [f"{name} {slots[name]!r} is not one of {sorted(allowed)}"
              for name, allowed in checks if name in slots and slots[name] not in allowed]
    if "amount" in slots and not AMOUNT.match(slots["amount"]):
        found.append(f"amount {slots['amount']!r} is not a plain decimal")
    if "phone" in slots and not PHONE.match(slots["phone"]):
        found.append(f"phone {slots['phone']!r} is neither a mobile nor a landline with area code")
    if "option" in slots and slots["option"] not in (STEPS[step] or ()):
        found.append(f"option {slots['option']!r} is not offered at {step}")
    for name, owners in (("term", {"explain"}), ("lang", {"language"}), ("field", {"correct", "change_filing"})):
        if name in slots and intent not in owners:
            found.append(f"{name} belongs to {sorted(owners)}, not {intent}")
    if intent == "explain" and "term" not in slots:
        found.append("an explain entry names its term")
    if intent == "language" and "lang" not in slots:
        found.append("a language entry names its language")
    return found


@pytest.mark.parametrize("corpus", [CORPUS, HELDOUT], ids=lambda p: p.stem)
def test_every_entry_is_labelled_with_known_intents_steps_slots_and_values(corpus):
    bad = {i: p for i, e in enumerate(entries(corpus)) if (p := problems_of(e))}
    assert not bad, "\n".join(f"#{i} {entries(corpus)[i].get('text')!r}: {'; '.join(p)}" for i, p in bad.items())


@pytest.mark.parametrize("corpus", [CORPUS, HELDOUT], ids=lambda p: p.stem)
def test_a_message_is_labelled_once_per_step(corpus):
    seen = Counter((e["text"], e["step"]) for e in entries(corpus))
    assert not [k for k, n in seen.items() if n > 1]


def test_the_corpus_is_large_enough_and_mixes_idle_and_every_step():
    by_step = Counter(e["step"] for e in entries())
    assert len(entries()) >= 450
    assert by_step["idle"] >= 180
    assert sum(n for step, n in by_step.items() if step != "idle") >= 270
    thin = {s: by_step[s] for s in STEPS if s != "idle" and by_step[s] < (20 if s in BUSY_STEPS else 8)}
    assert not thin, f"steps with too few examples: {thin}"


def test_the_heldout_corpus_is_large_enough():
    assert len(entries(HELDOUT)) >= 200


def test_every_intent_has_at_least_eight_examples():
    by_intent = Counter(e["intent"] for e in entries())
    thin = {i: by_intent[i] for i in INTENTS if by_intent[i] < 8}
    assert not thin, f"intents with too few examples: {thin}"


@pytest.mark.parametrize("entry, problem", [
    ({"text": "深圳", "step": "filing.treatment_area", "intent": "answer", "slots": {"area": "440305"}}, "pool code"),
    ({"text": "1", "step": "filing.phone", "intent": "answer", "slots": {"option": "yes"}}, "not offered"),
    ({"text": "下周一", "step": "filing.start_date", "intent": "answer", "slots": {"start_date": "2026-11-31"}}, "ISO"),
    ({"text": "高血压", "step": "chronic.disease", "intent": "answer", "slots": {"disease": "gaoxueya"}}, "disease"),
    ({"text": "办", "step": "idle", "intent": "answer", "slots": {}}, "inside a step"),
    ({"text": "我妈", "step": "filing.principal", "intent": "answer", "slots": {"relation": "mother"}}, "relation"),
    ({"text": "啥是承诺书", "step": "filing.materials", "intent": "explain", "slots": {"option": "commitment_letter"}},
     "names its term"),
])
def test_it_finds_a_bad_label(entry, problem):
    assert any(problem in p for p in problems_of(entry))
