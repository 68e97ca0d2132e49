"""The settlement flow (会不会直接结算 / 大概花多少钱): which care, where, which institution, and
optionally roughly how much; then the settlement service's readiness check and a rough estimate.

The steps up to the institution are the institution flow's own (same questions, same
"more" / "near me" handling); this flow adds the amount and asks the backend for the verdict.
"""
from __future__ import annotations

import dataclasses
import re

from dialogs import nlu
from dialogs.nlu_numbers import parse_amount
from dialogs.flow import Accept, Answer, Flow, Reject, StepSpec, register
from dialogs.flows import institution
from dialogs.types import CheckSettlement, Context, Reply

_COST_WORDS = r"多少钱|花多少|付多少|报多少|报销多少|能报多少|能报几|自己付|估算|估计|费用"
_ASKS_SETTLEMENT = r"(会不会|能不能|能否|可不可以|可以|行不行).{0,6}直接结算|直接结算.{0,6}(吗|么|不|没有)|刷医保.{0,4}(吗|么)"


def start(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Start like the institution flow; remember whether the person asked about money."""
    slots = institution.start(extraction, ctx)
    slots.update(institution.visit_date(extraction, ctx))
    # From the menu ("能不能直接结算、大概花多少钱") or a cost question: also ask the amount.
    from dialogs.intents import _SETTLE_ASK  # the one reading of "will it settle" questions

    asks = re.search(_ASKS_SETTLEMENT, extraction.text) or _SETTLE_ASK.search(extraction.text)
    if re.search(_COST_WORDS, extraction.text) or not (asks or extraction.institutions):
        slots["wants_estimate"] = True
    slots.update(_amount_in_passing(extraction.text))
    return slots


def absorb(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """Take care type, disease and place like the institution flow, and an amount when one is given."""
    return {**institution.absorb(extraction, slots, ctx), **_amount_in_passing(extraction.text)}


def _amount_in_passing(text: str) -> dict:
    # Only a number with a unit is taken in passing: a bare "2" is a choice, "12月1日" a date.
    if re.search(r"\d\s*(元|块|万|千)|[一二两三四五六七八九十]\s*[万千]", text):
        amount = parse_amount(text)
        if amount is not None:
            return {"amount": str(amount), "wants_estimate": True}
    return {}


def finish(state, ctx: Context):
    """Ask the backend for the readiness verdict (and the estimate when an amount was given)."""
    slots = state.slots
    amount = None if slots.get("amount") in (None, "skip") else slots["amount"]
    effect = CheckSettlement(slots.get("principal", "self"), slots["institution"], slots["care"],
                             slots.get("disease"), amount, on=slots.get("visit_date"))
    return institution.after_check(state, ctx, effect, estimate=amount is None)



def applies_amount(slots: dict, ctx: Context) -> bool:
    return bool(slots.get("wants_estimate"))


def validate_amount(answer: Answer, slots: dict, ctx: Context):
    if re.search(r"跳过|不知道|不清楚|不用|算了|不估", answer.text or ""):
        return Accept({"amount": "skip"})  # answered: no estimate
    amount = parse_amount(answer.text or "")
    if amount is None or amount <= 0:
        return Reject(Reply("settlement.bad_amount"))
    return Accept({"amount": str(amount)})


def _steps() -> tuple[StepSpec, ...]:
    borrowed = institution.FLOW.steps
    last = borrowed[-1]
    amount = StepSpec(name="amount", slot="amount", next=None, prompt="settlement.ask_amount",
                      validate=validate_amount, applies=applies_amount)
    return borrowed[:-1] + (dataclasses.replace(last, next="amount"), amount)


FLOW = register(
    Flow(name="settlement", version=1, steps=_steps(), start=start, absorb=absorb, finish=finish),
)
