"""Score the intent classifier and the slot extractor on the labelled corpus.

    .venv/bin/python -m tests.dialogs.corpus.evaluate            # accuracy per intent
    .venv/bin/python -m tests.dialogs.corpus.evaluate --errors   # and every miss

Each message is understood at the step it was said at, with that step's choices as the person saw
them (rendered from the prompt files), exactly as the engine asks `dialogs.intents.understand`.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from dialogs import intents
from dialogs.prompts import render_prompt
from dialogs.types import DiseaseEntry
from tests.dialogs.support import gazetteer

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "utterances.yaml"
DISEASES_YAML = HERE.parents[2] / "backend" / "data" / "diseases.yaml"
TODAY = date(2026, 11, 22)

# The choices each step shows: value -> (label prompt id, its parameters).
LABELS = {
    "idle": {"filing": ("common.choice_filing", {}), "institution": ("common.choice_institution", {}),
             "my_filings": ("common.choice_my_filings", {}), "settlement": ("common.choice_settlement", {})},
    "filing.principal": {"self": ("filing.choice_self", {}),
                         "member": ("filing.choice_member", {"relation": "mother", "name": "王**"}),
                         "stop": ("filing.choice_stop", {})},
    "filing.existing_action": {"change": ("filing.choice_change", {}), "other_area": ("filing.choice_other_area", {}),
                               "stop": ("filing.choice_keep_existing", {})},
    "filing.category_group": {"long_term": ("filing.choice_long_term", {}),
                              "temporary": ("filing.choice_temporary", {})},
    "filing.category": {c: (f"filing.choice_{c}", {}) for c in
                        ("retiree_resettled", "long_term_resident", "posted_worker")},
    "filing.start_date": {"today": ("filing.choice_today", {})},
    "filing.end_date": {"default_end": ("filing.choice_default_end", {"end": "2027-05-22"})},
    "filing.materials": {"commitment_letter": ("filing.choice_commitment_letter", {}),
                         "documents": ("filing.choice_documents", {})},
    "filing.commitment": {"signed": ("filing.choice_sign_letter", {}),
                          "documents": ("filing.choice_use_documents", {})},
    "filing.phone": {"profile": ("filing.choice_profile_phone", {"phone": "138****0001"})},
    "filing.confirmed": {"yes": ("filing.choice_submit", {}), "edit": ("filing.choice_edit", {})},
    "institution.care": {v: (f"institution.choice_{v}", {}) for v in ("inpatient", "outpatient", "chronic", "pharmacy")},
    "cancel.confirmed": {"confirm": ("cancel.choice_confirm", {}), "keep": ("cancel.choice_keep", {})},
}
SLOT_NAMES = {"area", "insured_area", "treatment_area", "principal", "relation", "category", "start_date", "end_date",
              "disease", "visit", "amount", "phone", "option", "term", "lang", "field"}


@lru_cache(maxsize=1)
def diseases() -> tuple[DiseaseEntry, ...]:
    rows = yaml.safe_load(DISEASES_YAML.read_text(encoding="utf-8"))
    rows = rows.get("diseases", rows) if isinstance(rows, dict) else rows
    return tuple(DiseaseEntry(r["code"], r.get("name_zh") or r.get("name"), tuple(r.get("synonyms") or ()))
                 for r in rows)


def step_info(name: str) -> intents.StepInfo:
    """Return the step as the person saw it: its choices rendered in Chinese."""
    offered = tuple((value, render_prompt(prompt, params)) for value, (prompt, params) in LABELS.get(name, {}).items())
    return intents.StepInfo(name=name, offered=offered, kind=intents.step_kind(name) if name != "idle" else None)


@dataclass
class Score:
    total: int = 0
    intent_ok: int = 0
    slots_ok: int = 0


def evaluate(entries=None):
    """Return (per-intent scores, misses) over the corpus."""
    entries = entries if entries is not None else yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    scores: dict[str, Score] = defaultdict(Score)
    misses = []
    for entry in entries:
        step = entry.get("step", "idle")
        got = intents.understand(entry["text"], today=TODAY, gazetteer=gazetteer(), step=step_info(step),
                                 diseases=diseases(),
                                 in_form=step.startswith(("filing.", "cancel.", "change.")))
        want_slots = {k: str(v) for k, v in (entry.get("slots") or {}).items()}
        got_slots = {k: str(v) for k, v in got.slots.items() if k in SLOT_NAMES}
        score = scores[entry["intent"]]
        score.total += 1
        score.intent_ok += got.intent == entry["intent"]
        score.slots_ok += got_slots == want_slots
        if got.intent != entry["intent"] or got_slots != want_slots:
            misses.append((entry, got.intent, got_slots, want_slots))
    return scores, misses


def totals(scores) -> tuple[float, float, int]:
    """Return (intent accuracy, slot exact-match, count) over every intent."""
    n = sum(s.total for s in scores.values())
    return (sum(s.intent_ok for s in scores.values()) / n, sum(s.slots_ok for s in scores.values()) / n, n)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="print every message understood wrongly")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="a labelled corpus (default: utterances.yaml)")
    args = parser.parse_args(argv)
    scores, misses = evaluate(yaml.safe_load(args.corpus.read_text(encoding="utf-8")))
    print(f"{'intent':16} {'n':>4} {'intent acc':>10} {'slot match':>10}")
    for name in sorted(scores, key=lambda k: -scores[k].total):
        s = scores[name]
        print(f"{name:16} {s.total:4d} {s.intent_ok / s.total:10.1%} {s.slots_ok / s.total:10.1%}")
    intent_acc, slot_acc, n = totals(scores)
    print(f"{'all':16} {n:4d} {intent_acc:10.1%} {slot_acc:10.1%}   (targets: intent >= 97%, slots >= 95%)")
    if args.errors:
        for entry, intent, got, want in misses:
            where = entry.get("step", "idle")
            print(f"- [{where}] {entry['text']!r}\n    intent {intent} (want {entry['intent']})"
                  + ("" if got == want else f"\n    slots  {got}\n    want   {want}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
