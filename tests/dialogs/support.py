"""A pure test harness for transcripts: a Context from the shipped areas and sample-like rules."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from backend.rules import filing_decision as decision
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
        conflict_for=lambda key, slots: _conflict(filings.get(key, ()), slots),
        lock_until_for=lambda key, slots: _lock_until(rules.get(areas.get(key, areas.get("self"))), slots),
        date_problem=lambda key, category, start, end: _date_problem(rules.get(areas.get(key, areas.get("self"))),
                                                                     category, start, end),
    )
    return replace(base, **overrides)


def _policy_view(area: AreaRules) -> decision.PolicyView:
    return decision.PolicyView(
        area_code=area.area_code, categories_offered=area.categories_offered, materials=area.materials,
        commitment_letter_categories=area.commitment_letter_categories, self_service_enabled=True,
        manual_review_categories=(), change_lock_months=area.change_lock_months,
        commitment_lock_months=area.change_lock_months, temporary_validity_months=area.temporary_validity_months,
        referral_validity_months=area.referral_validity_months,
        emergency_late_filing_days=area.emergency_late_filing_days)


def _lock_until(area: AreaRules | None, slots: dict):
    """Ask the filing rules for the lock, as the backend's port does."""
    return decision.lock_until_for(slots.get("category"), slots.get("materials"),
                                   _policy_view(area) if area else None, TODAY)


def _date_problem(area: AreaRules | None, category, start, end):
    """Ask the filing rules about the dates, as the backend's port does."""
    if area is None:
        return None
    check = decision.check_dates(category or "long_term_resident", start, end, _policy_view(area), TODAY)
    return None if check.passed or check.effect != decision.REFUSE else dict(check.params)


def _conflict(filings, slots: dict):
    """Ask the filing rules which filing collides, as the backend's port does."""
    views = [decision.ExistingFiling(
        reference=f.reference, status=f.status, category=f.category, treatment_area_code=f.treatment_area_code,
        start_date=f.start_date, end_date=f.end_date, lock_until=f.lock_until, filed_by_relation=None,
        filed_by_name_masked=None, submitted_on=f.submitted_on) for f in filings]
    start, end = slots.get("start_date"), slots.get("end_date")
    found = decision.conflicting_filing(slots.get("category"), slots.get("treatment_area"),
                                        date.fromisoformat(start) if start else None,
                                        date.fromisoformat(end) if end else None, views, slots.get("replaces"))
    if found is None:
        return None
    return found[0], next(f for f in filings if f.reference == found[1].reference)


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


# --- personas and transcript helpers ------------------------------------------------

# The self user's mother, who consented to her son acting for her; insured in 沈阳 like him.
MOTHER = Member(person_id=7, relation="mother", name_masked="王*")


def existing_filing(**overrides) -> ActiveFiling:
    """Return the filing a relative made for the user in 深圳 long ago (unlocked by default)."""
    base = ActiveFiling(
        reference="BA20250101-0001", category="retiree_resettled", treatment_area_code="440300",
        start_date=date(2025, 1, 5), end_date=None, lock_until=date(2025, 7, 5), filed_by="child",
        filed_by_name_masked="张*", submitted_on=date(2025, 1, 1), status="approved",
    )
    return replace(base, **overrides)


def submitted(step: engine.Step) -> dict | None:
    """Return the slots of the SubmitFiling effect of a step, or None when it submits nothing."""
    from dialogs.types import SubmitFiling

    found = [e.slots for e in step.effects if isinstance(e, SubmitFiling)]
    return found[0] if found else None


def play(chat: "Chat", transcript) -> engine.Step:
    """Say each line of a transcript, checking the prompts replied and the slots held after it.

    A transcript is a list of (what the person says, expected prompt ids, expected slot values);
    a slot expected as None must be absent (or empty).
    """
    step = None
    for number, (said, prompts, slots) in enumerate(transcript, start=1):
        step = chat.say(said)
        where = f"turn {number} ({said!r})"
        assert chat.prompts(step) == list(prompts), f"{where}: replied {chat.prompts(step)}"
        for slot, value in slots.items():
            held = chat.slots.get(slot)
            assert (held in (None, "") if value is None else held == value), f"{where}: {slot}={held!r}"
    return step


__all__ += ["MOTHER", "existing_filing", "submitted", "play"]


# --- the institution flow -------------------------------------------------------

from dialogs.types import DiseaseEntry, InstitutionHit  # noqa: E402

DISEASES = (
    DiseaseEntry("hypertension", "高血压", ("血压高", "降压药")),
    DiseaseEntry("diabetes", "糖尿病", ("血糖高", "二型糖尿病")),
    DiseaseEntry("uraemia_dialysis", "尿毒症透析", ("透析", "尿毒症")),
)
SHENZHEN_HITS = tuple(
    InstitutionHit(f"H{i}", name, level, ("inpatient", "outpatient", "chronic"), None)
    for i, (name, level) in enumerate([
        ("北京大学深圳医院", "3A"), ("香港大学深圳医院", "3A"), ("深圳市人民医院", "3A"),
        ("深圳市第二人民医院", "3A"), ("南山区社区卫生服务中心", "1"), ("福田区社区卫生服务中心", "1"),
    ], start=1)
)


def fake_find(searches: list | None = None):
    """A find_institutions that pages over six Shenzhen hospitals and records what was asked."""
    def find(*, area, service, disease, district, page, per_page, location):
        if searches is not None:
            searches.append({"area": area, "service": service, "disease": disease, "district": district,
                             "page": page, "per_page": per_page, "location": location})
        hits = SHENZHEN_HITS if area == "440300" else ()
        if location is not None:
            hits = tuple(InstitutionHit(h.code, h.name, h.level, h.services, round(0.7 * i, 1))
                         for i, h in enumerate(hits, start=1))
        start = (page - 1) * per_page
        return hits[start:start + per_page], start + per_page < len(hits)
    return find


def institution_context(**overrides) -> Context:
    """A context with the fake search, the disease words, and an approved filing in Shenzhen."""
    filed = overrides.pop("filed_area", "440300")
    base = dict(find_institutions=fake_find(overrides.pop("searches", None)), diseases=DISEASES,
                filed_area_of=lambda key: filed)
    base.update(overrides)
    return context(**base)


# --- starting a flow by name (as the intent layer does) ------------------------------

def start_flow(chat: "Chat", name: str, text: str = "") -> engine.Step:
    """Start flow `name` with a first message, as the intent layer will: precondition, start, intro, first question."""
    from dialogs import nlu
    from dialogs.types import Reply

    ctx = chat.ctx
    extraction = nlu.extract(text, today=ctx.today, gazetteer=ctx.gazetteer)
    flow = engine.current(name)
    blocked = flow.precondition(ctx) if flow.precondition else None
    if blocked is not None:
        step = engine.Step(chat.state, (blocked,))
    else:
        started = engine._start(name, extraction, ctx, chat.state)
        said = tuple(started.slots.pop(engine.NOTES, ()))
        step = engine._ask(started, ctx, notes=(Reply(f"{name}.intro"),) + said)
    chat.state = step.state
    chat.steps.append(step)
    return step


__all__ += ["start_flow"]


def suzhou_filing(**overrides) -> ActiveFiling:
    """Return the user's own posted-worker filing in 苏州 from May, whose six-month lock has passed."""
    base = ActiveFiling(
        reference="BA20260510-0002", category="posted_worker", treatment_area_code="320500",
        start_date=date(2026, 5, 20), end_date=None, lock_until=date(2026, 11, 10), filed_by="self",
        filed_by_name_masked="", submitted_on=date(2026, 5, 10), status="approved",
    )
    return replace(base, **overrides)


__all__ += ["suzhou_filing"]
