"""The cancel flow (撤销备案): whose filing, which filing, the lock, then a deliberate confirmation.

Cancelling ends direct settlement at once, so the confirmation names exactly which filing
(place, category, since when, who filed it and when), says what cancelling means, and is
taken only from its own choice, never from a plain "好". A filing still inside the insured
area's lock period is refused with its date, without a confirmation. The state diagram is in
cancel.mmd beside this file. The intent layer (dialogs/intents.py) starts it by name.
"""
from __future__ import annotations

import sys

from dialogs import nlu
from dialogs.flow import Accept, Answer, Flow, Reject, register
from dialogs.flows import manage
from dialogs.flows.common import steps_from
from dialogs.types import CancelFiling, Choice, Context, Reply

FAMILY = "cancel"
TABLE = (
    ("confirmed", "confirmed", None),
)


def start(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Whose filing and which one, as far as the first message and the filings make them clear."""
    return manage.start_slots(extraction, ctx)


def absorb(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """A place named at any step picks the filing there."""
    if slots.get("principal") and not slots.get("reference"):
        return manage.which_filing(extraction, slots, ctx)
    return {}


def finish(state, ctx: Context):
    """Cancel the confirmed filing, or refuse truthfully when the area's lock forbids it."""
    if manage.is_locked(state.slots, ctx):
        reply = manage.refusal(FAMILY, state.slots, ctx)
        manage.end_offering(state, reply.choices)
        return (reply,), ()
    effect = CancelFiling(principal=state.slots["principal"], reference=state.slots["reference"])
    manage.end_offering(state)
    return (), (effect,)



def applies_confirmed(slots: dict, ctx: Context) -> bool:
    # A locked filing gets no confirmation at all: finish() says why and until when.
    return not manage.is_locked(slots, ctx)


def params_confirmed(slots: dict, ctx: Context) -> dict:
    return manage.describe(manage.chosen(slots, ctx), slots, ctx)


def choices_confirmed(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice("confirm", "cancel.choice_confirm", irreversible=True), Choice("keep", "cancel.choice_keep")]


def validate_confirmed(answer: Answer, slots: dict, ctx: Context):
    value = manage.confirmation(FAMILY, answer)
    if value == "confirm":
        return Accept({"confirmed": True})
    if value == "keep":
        filing = manage.chosen(slots, ctx)
        return Accept({}, notes=(Reply("cancel.kept", {"area": manage.area_name(filing.treatment_area_code, ctx)}),),
                      end=True)
    return Reject(Reply("cancel.how_to_confirm"))



FLOW = register(
    Flow(name=FAMILY, version=1,
         steps=manage.whose_and_which(FAMILY, "confirmed") + steps_from(sys.modules[__name__], FAMILY, TABLE),
         start=start, absorb=absorb, finish=finish, precondition=manage.precondition(FAMILY)),
)
