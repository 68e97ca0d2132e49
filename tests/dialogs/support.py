"""A pure test harness for transcripts: a Context from the shipped areas and sample-like rules."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from dialogs import engine
from dialogs.nlu import Gazetteer
from dialogs.prompts import render_step
from dialogs.types import ActiveFiling, AreaRules, Context, Member

AREAS_CSV = Path(__file__).resolve().parents[2] / "backend" / "data" / "areas.csv"
TODAY = date(2026, 11, 22)
LONG = ("retiree_resettled", "long_term_resident", "posted_worker")
ALL = LONG + ("referral", "emergency", "other_temporary")


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer.from_csv(AREAS_CSV)


def area_rules(code: str, *, commitment: bool = True, categories=ALL) -> AreaRules:
    letter = (("commitment_letter",),) if commitment else ()
    return AreaRules(
        area_code=code, categories_offered=tuple(categories),
        materials={
            "retiree_resettled": (("household_register", "residence_registration"),) + letter,
            "long_term_resident": (("residence_permit",),) + letter,
            "posted_worker": (("posting_letter",),) + letter,
            "referral": (("referral_certificate",),),
        },
        commitment_letter_categories=LONG if commitment else (),
        temporary_validity_months=6, referral_validity_months=3, emergency_late_filing_days=5,
        change_lock_months=6,
    )


def context(**overrides) -> Context:
    rules = overrides.pop("rules", {"210100": area_rules("210100"), "340100": area_rules("340100"),
                                     "131000": area_rules("131000", commitment=False)})
    filings = overrides.pop("filings", {})
    areas = overrides.pop("insured", {"self": "210100"})
    base = Context(
        today=TODAY, gazetteer=gazetteer(), session_key="s1", bound=True, self_insured_area="210100",
        self_phone_masked="138****0001", rules_for=lambda code: rules.get(code),
        filings_for=lambda key: tuple(filings.get(key, ())),
        insured_area_of=lambda key: areas.get(key, areas.get("self")),
    )
    return replace(base, **overrides)


class Chat:
    """Drive the engine turn by turn, as a person would, and keep what it said."""

    def __init__(self, ctx: Context | None = None):
        self.ctx = ctx or context()
        self.state = engine.DialogState()
        self.steps = []

    def say(self, text) -> engine.Step:
        step = engine.advance(self.state, text if isinstance(text, dict) else {"text": text}, self.ctx)
        self.state = step.state
        self.steps.append(step)
        return step

    def prompts(self, step=None) -> list[str]:
        return [r.prompt for r in (step or self.steps[-1]).replies]

    def text(self, step=None, large=False) -> str:
        return render_step(step or self.steps[-1], "zh_CN", large).text

    @property
    def slots(self) -> dict:
        return self.state.slots


__all__ = ["Chat", "context", "area_rules", "TODAY", "ActiveFiling", "Member"]
