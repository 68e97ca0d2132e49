"""The settlement flow (会不会直接结算 / 大概花多少钱): which care, where, which institution, and
optionally roughly how much; then the settlement service's readiness check and a rough estimate.

The steps up to the institution are the institution flow's own (same questions, same
"more" / "near me" handling); this flow adds the amount and asks the backend for the verdict.
"""
from __future__ import annotations

import dataclasses
import re
from decimal import Decimal, InvalidOperation

from dialogs import nlu
from dialogs.engine import Accept, Answer, Flow, Reject, StepSpec, register
from dialogs.flows import institution
from dialogs.types import CheckSettlement, Context, Reply

_COST_WORDS = r"多少钱|花多少|付多少|报多少|报销多少|能报|自己付|估算|估计|费用"
_ASKS_SETTLEMENT = r"(会不会|能不能|能否|可不可以|可以|行不行).{0,6}直接结算|直接结算.{0,6}(吗|么|不|没有)|刷医保.{0,4}(吗|么)"
_UNITS = {"万": Decimal(10000), "千": Decimal(1000), "百": Decimal(100)}


def start(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Start like the institution flow; remember whether the person asked about money."""
    slots = institution.start(extraction, ctx)
    # From the menu ("能不能直接结算、大概花多少钱") or a cost question: also ask the amount.
    if re.search(_COST_WORDS, extraction.text) or not re.search(_ASKS_SETTLEMENT, extraction.text):
        slots["wants_estimate"] = True
    slots.update(_amount_in_passing(extraction.text))
    return slots


def absorb(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """Take care type, disease and place like the institution flow, and an amount when one is given."""
    return {**institution.absorb(extraction, slots, ctx), **_amount_in_passing(extraction.text)}


def _amount_in_passing(text: str) -> dict:
    # Only a number with a unit is taken in passing: a bare "2" is a choice, "12月1日" a date.
    if re.search(r"\d\s*(元|块|万|千)", text):
        amount = parse_amount(text)
        if amount is not None:
            return {"amount": str(amount), "wants_estimate": True}
    return {}


def parse_amount(text: str) -> Decimal | None:
    """Read "3000", "3000元", "3千", "1.5万" as an amount in yuan; None when there is none."""
    match = re.search(r"(\d+(?:\.\d{1,2})?)\s*([万千百]?)", text.replace(",", "").replace("，", ""))
    if not match:
        return None
    try:
        value = Decimal(match.group(1)) * _UNITS.get(match.group(2), Decimal(1))
    except InvalidOperation:
        return None
    return value if 0 < value <= Decimal(10_000_000) else None


def finish(state, ctx: Context):
    """Ask the backend for the readiness verdict (and the estimate when an amount was given)."""
    slots = state.slots
    effect = CheckSettlement(slots.get("principal", "self"), slots["institution"], slots["care"],
                             slots.get("disease"), None if slots.get("amount") in (None, "skip") else slots["amount"])
    state.flow, state.flow_version, state.step, state.offered, state.slots, state.undo = None, 0, "idle", [], {}, []
    return (), (effect,)


def trigger(text: str, extraction: nlu.Extraction, ctx: Context) -> bool:
    """Start on "会不会直接结算" or a question about how much a visit costs or pays back."""
    if re.search(r"备案", text):
        return False
    return bool(re.search(_ASKS_SETTLEMENT, text) or re.search(_COST_WORDS, text))


def applies_amount(slots: dict, ctx: Context) -> bool:
    return bool(slots.get("wants_estimate"))


def validate_amount(answer: Answer, slots: dict, ctx: Context):
    if re.search(r"跳过|不知道|不清楚|不用|算了|不估", answer.text or ""):
        return Accept({"amount": "skip"})  # answered: no estimate
    amount = parse_amount(answer.text or "")
    if amount is None:
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
    trigger=trigger,
)
