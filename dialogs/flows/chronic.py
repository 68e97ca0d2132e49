"""The chronic-disease flow (门诊慢特病): which disease, where; then the four-condition verdict.

Asks only what the first message did not say ("我在沈阳参保，在深圳透析，能直接结算吗"
is answered at once). The state diagram is in chronic.mmd beside this file.
"""
from __future__ import annotations

import sys

from dialogs import nlu
from dialogs.flow import Accept, Answer, Flow, Reject, register
from dialogs.flows.common import disease_answer, member_for, place_from, steps_from
from dialogs.flows.common import match_disease
from dialogs.flows.institution import visit_date
from dialogs.types import CheckChronic, Context

TABLE = (
    ("disease", "disease", "area"),
    ("area", "area", None),
)


def start(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Start for the person (or the one relative named), in the area of their approved filing."""
    principal = (member_for(extraction.relation, ctx) if extraction.principal == "relative" else None) or "self"
    slots = {"principal": principal}
    area = ctx.filed_area_of(principal)
    if area:
        slots["area"] = area
    slots.update(absorb(extraction, {}, ctx))
    return slots


def absorb(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """Take the disease and the place of care from any message."""
    found = {k: v for k, v in visit_date(extraction, ctx).items() if k == "visit_date" and v}
    disease = match_disease(extraction.text, ctx.diseases)
    if disease:
        found["disease"] = disease
    place = extraction.treatment_area or next(iter(extraction.unassigned_areas), None)
    if place is not None and place.pool_code:
        found["area"] = place.pool_code
    return found


def finish(state, ctx: Context):
    """Ask the backend for the verdict on the four conditions."""
    slots = state.slots
    effect = CheckChronic(slots.get("principal", "self"), slots["disease"], slots["area"], on=slots.get("visit_date"))
    state.flow, state.flow_version, state.step, state.offered, state.slots, state.undo = None, 0, "idle", [], {}, []
    return (), (effect,)



def params_disease(slots: dict, ctx: Context) -> dict:
    return {"examples": [d.name for d in ctx.diseases[:5]]}


def validate_disease(answer: Answer, slots: dict, ctx: Context):
    return disease_answer(answer, ctx, "chronic")


def validate_area(answer: Answer, slots: dict, ctx: Context):
    entry = place_from(answer, ctx)
    return entry if isinstance(entry, Reject) else Accept({"area": entry.pool_code})


FLOW = register(
    Flow(name="chronic", version=1, steps=steps_from(sys.modules[__name__], "chronic", TABLE),
         start=start, absorb=absorb, finish=finish),
)
