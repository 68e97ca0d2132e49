"""Pieces the cancel and change flows share: whose filing, which filing, its lock, and a deliberate yes.

Both flows act on a filing that already exists, for the person or a consenting member, so
both first settle whose filing and which one (each skipped when there is only one), then check
the insured area's lock before offering anything: a locked filing is refused truthfully with
its date and the flow ends there, never at a confirmation it could not keep.
"""
from __future__ import annotations

import re
from datetime import date
from functools import partial

from dialogs import nlu
from dialogs.flow import Accept, Answer, Reject, StepSpec
from dialogs.flows.common import member_for
from dialogs.types import ActiveFiling, Choice, Context, Reply

# The next steps a refusal offers; the idle menu starts them by these values.
AFTER_LOCK = (Choice("institution", "common.choice_institution"), Choice("my_filings", "common.choice_my_filings"))
_REFERENCE = re.compile(r"ba\s*\d{8}\s*-\s*\d+", re.IGNORECASE)
_KEEP = re.compile(r"不撤|不改|不变更|先不|算了|保留|留着|不用了|不要了")
_SELF = re.compile(r"自己|本人|我的|^我$")


def day(d: date | None) -> dict | None:
    """Return a date in parts, so each language writes it its own way (2027年6月1日, 1 June 2027)."""
    return {"iso": d.isoformat(), "y": d.year, "m": d.month, "d": d.day} if d else None


def filings_of(principal: str | None, ctx: Context) -> tuple[ActiveFiling, ...]:
    """Return the principal's pending and approved filings."""
    return tuple(ctx.filings_for(principal)) if principal else ()


def candidates(ctx: Context) -> list[str]:
    """Return the principals (self first, then consenting members) who have a filing to act on."""
    keys = ["self"] + [f"member:{m.person_id}" for m in ctx.members]
    return [k for k in keys if filings_of(k, ctx)]


def chosen(slots: dict, ctx: Context) -> ActiveFiling | None:
    """Return the filing the conversation is about, once known."""
    return next((f for f in filings_of(slots.get("principal"), ctx) if f.reference == slots.get("reference")), None)


def locked(filing: ActiveFiling | None, ctx: Context) -> bool:
    """Return whether the insured area's lock still forbids changing or cancelling (as filings.py decides)."""
    return bool(filing and filing.lock_until and ctx.today < filing.lock_until)


def is_locked(slots: dict, ctx: Context) -> bool:
    """Return whether the chosen filing is locked."""
    return locked(chosen(slots, ctx), ctx)


def area_name(code: str | None, ctx: Context) -> str:
    return ctx.gazetteer.display_name(code, ctx.lang)


def mentioned_areas(extraction: nlu.Extraction) -> list[str]:
    """Return the pool codes of the places a message names, in order, without repeats."""
    found = [e for e in ([extraction.treatment_area] if extraction.treatment_area else []) + extraction.unassigned_areas]
    codes = []
    for entry in found:
        if entry.pool_code and entry.pool_code not in codes:
            codes.append(entry.pool_code)
    return codes


def pick_by_area(extraction: nlu.Extraction, filings: tuple[ActiveFiling, ...]) -> str | None:
    """Return the reference of the one filing in a place the message names ("把深圳的备案撤了")."""
    codes = mentioned_areas(extraction)
    matches = [f.reference for f in filings if f.treatment_area_code in codes]
    return matches[0] if len(matches) == 1 else None


def _member(principal: str | None, ctx: Context):
    return next((m for m in ctx.members if f"member:{m.person_id}" == principal), None)


def start_slots(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Whose filing and which one, from the first message; each left empty when it is not clear."""
    slots: dict = {}
    options = candidates(ctx)
    if extraction.principal == "relative":
        member = member_for(extraction.relation, ctx)
        if member in options:
            slots["principal"] = member
        else:
            # A relative who has not consented, or has nothing to cancel: the principal step says which.
            slots["wanted_relation"] = extraction.relation or "other"
    elif len(options) == 1:
        slots["principal"] = options[0]
    elif "self" in options and _SELF.search(extraction.text or ""):
        slots["principal"] = "self"
    if slots.get("principal"):
        slots["insured_area"] = ctx.insured_area_of(slots["principal"])
        slots.update(which_filing(extraction, slots, ctx))
    return {k: v for k, v in slots.items() if v is not None}


def which_filing(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """Return the reference when the principal has one filing, or the message names its place."""
    filings = filings_of(slots.get("principal"), ctx)
    if len(filings) == 1:
        return {"reference": filings[0].reference}
    picked = pick_by_area(extraction, filings)
    return {"reference": picked} if picked else {}


def precondition(family: str):
    """Return a precondition: some filing (own or a member's) to act on (binding comes first, in the engine)."""
    def check(ctx: Context) -> Reply | None:
        return None if candidates(ctx) else Reply(f"{family}.none")
    return check


# --- principal ----------------------------------------------------------------

def principal_choices(family: str, slots: dict, ctx: Context) -> list[Choice]:
    options = []
    for key in candidates(ctx):
        member = _member(key, ctx)
        options.append(Choice(key, f"{family}.choice_self") if member is None else
                       Choice(key, f"{family}.choice_member", {"relation": member.relation, "name": member.name_masked}))
    return options[:3] + [Choice("stop", f"{family}.choice_stop")]


def principal_params(slots: dict, ctx: Context) -> dict:
    wanted = slots.get("wanted_relation")
    member = member_for(wanted, ctx) if wanted else None
    return {"wanted": wanted, "linked": member is not None}


def validate_principal(family: str, answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    if value is None and answer.extraction.principal == "relative":
        value = member_for(answer.extraction.relation, ctx)
        if value is None:
            return Reject(Reply("filing.relative_not_linked", {"relation": answer.extraction.relation or "other"}))
    elif value is None and _SELF.search(answer.text):
        value = "self"
    if value == "stop" or (value is None and answer.extraction.yes_no is False):
        return Accept({}, notes=(Reply(f"{family}.stopped"),), end=True)
    if value is None:
        return Reject(Reply("common.please_choose"))
    if value not in candidates(ctx):
        member = _member(value, ctx)
        return Reject(Reply(f"{family}.nothing_for", {"principal": member.relation if member else "self",
                                                      "principal_name": member.name_masked if member else None}))
    updates = {"principal": value, "wanted_relation": None, "insured_area": ctx.insured_area_of(value)}
    return Accept({**updates, **which_filing(answer.extraction, updates, ctx)})


# --- which filing ------------------------------------------------------------------

def describe(filing: ActiveFiling, slots: dict, ctx: Context) -> dict:
    """Return a filing as the replies show it: where, what, since when, status, who filed it and when."""
    member = _member(slots.get("principal"), ctx)
    return {
        "reference": filing.reference, "area": area_name(filing.treatment_area_code, ctx),
        "category": filing.category, "status": filing.status,
        "start": day(filing.start_date), "end": day(filing.end_date), "submitted_on": day(filing.submitted_on),
        "filed_by": filing.filed_by, "filed_by_name": filing.filed_by_name_masked,
        "principal": "self" if member is None else member.relation,
        "principal_name": member.name_masked if member else None,
        "lock_until": day(filing.lock_until), "insured": area_name(slots.get("insured_area"), ctx),
    }


def reference_choices(family: str, slots: dict, ctx: Context) -> list[Choice]:
    return [Choice(f.reference, f"{family}.choice_filing", describe(f, slots, ctx))
            for f in filings_of(slots.get("principal"), ctx)]


def reference_params(slots: dict, ctx: Context) -> dict:
    member = _member(slots.get("principal"), ctx)
    return {"principal": "self" if member is None else member.relation,
            "principal_name": member.name_masked if member else None}


def validate_reference(family: str, answer: Answer, slots: dict, ctx: Context):
    filings = filings_of(slots.get("principal"), ctx)
    value = answer.choice or pick_by_area(answer.extraction, filings)
    said = _REFERENCE.search(answer.text)
    if value is None and said:
        typed = re.sub(r"\s", "", said.group(0)).upper()
        value = next((f.reference for f in filings if f.reference.upper() == typed), None)
    if value is None:
        return Reject(Reply("common.please_choose"))
    return Accept({"reference": value})


# --- the lock, and the deliberate confirmation ---------------------------------------

def refusal(family: str, slots: dict, ctx: Context) -> Reply:
    """Say truthfully until when the area forbids it, and offer what can be done instead."""
    return Reply(f"{family}.locked", {**describe(chosen(slots, ctx), slots, ctx), "offer": True}, AFTER_LOCK)


def end_offering(state, choices: tuple[Choice, ...] = ()) -> None:
    """End the flow; the idle menu takes a number for one of `choices` next."""
    state.flow, state.flow_version, state.step = None, 0, "idle"
    state.slots, state.undo, state.offered = {}, [], [c.value for c in choices]


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", nlu.normalize(text))


def confirmation(family: str, answer: Answer) -> str | None:
    """Return "confirm" only for the choice's number or its own words; "keep" for a clear no.

    A plain yes ("好", "嗯", "可以") is not enough for an irreversible act, and a question is not an answer.
    """
    from dialogs import prompts

    if answer.choice in ("confirm", "keep"):
        return answer.choice
    said = _squash(answer.text)
    if re.search(r"[?？]", answer.text or ""):
        said = ""  # "确认撤销？" asks; it does not confirm
    for value in ("confirm", "keep"):
        if said and any(said == _squash(prompts.render_prompt(f"{family}.choice_{value}", {}, lang))
                        for lang in prompts.LANGUAGES):
            return value
    if _KEEP.search(answer.text) or answer.extraction.yes_no is False:
        return "keep"
    return None


def whose_and_which(family: str, after: str) -> tuple[StepSpec, StepSpec]:
    """Return the two steps both flows open with: whose filing, then which one (then `after`)."""
    return (
        StepSpec(name="principal", slot="principal", next="reference", prompt=f"{family}.ask_principal",
                 validate=partial(validate_principal, family), choices=partial(principal_choices, family),
                 params=principal_params),
        StepSpec(name="reference", slot="reference", next=after, prompt=f"{family}.ask_reference",
                 validate=partial(validate_reference, family), choices=partial(reference_choices, family),
                 params=reference_params),
    )


__all__ = ["whose_and_which", "AFTER_LOCK", "day", "filings_of", "candidates", "chosen", "locked", "is_locked", "area_name",
           "mentioned_areas", "pick_by_area", "start_slots", "which_filing", "precondition", "principal_choices",
           "principal_params", "validate_principal", "describe", "reference_choices", "reference_params",
           "validate_reference", "refusal", "end_offering", "confirmation"]
