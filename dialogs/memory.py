"""Conversation memory: what the person said anywhere in a session prefills every later flow.

"帮我妈办…深圳…高血压" said once is remembered as principal, treatment area and disease, so a later
"那就办备案吧" or "能报多少" does not ask for them again. The memory lives in the dialog state (one small
dict of plain values) and is only ever filled from what the person said or chose, never guessed.
"""
from __future__ import annotations

from datetime import date

from dialogs import nlu
from dialogs.categories import LONG_TERM_CATEGORIES, TEMPORARY_CATEGORIES
from dialogs.types import Choice, Context

# The slots remembered across flows, and the flow slots each one prefills.
REMEMBERED = ("principal", "wanted_relation", "insured_area", "treatment_area", "category", "start_date", "end_date",
              "disease", "visit", "amount", "phone")
DRAFT = "draft"  # the slots of a filing left unfinished (another question came first)


def member_for(relation: str | None, ctx: Context) -> str | None:
    """Return "member:<id>" for the one consenting member with this relation, else None."""
    matches = [m for m in ctx.members if m.relation == relation]
    return f"member:{matches[0].person_id}" if relation and len(matches) == 1 else None


def principal_of(understood, ctx: Context) -> str | None:
    """Return the principal a message is about: a consenting member's key, "self", or None."""
    slots = understood.slots if understood is not None else {}
    if slots.get("principal") == "relative":
        return member_for(slots.get("relation"), ctx) or f"relation:{slots.get('relation') or 'other'}"
    if slots.get("principal") == "self":
        return "self"
    return None


def remember(memory: dict, understood, ctx: Context) -> None:
    """Keep what this message said for the rest of the session (latest wins)."""
    slots = understood.slots
    # An explanation's slots are only the term, except "do I need a filing for my trip to 成都?": its trip is kept.
    if not slots or understood.intent in ("unclear", "chitchat") or (
            understood.intent == "explain" and slots.get("term") != "need_filing"):
        return
    principal = principal_of(understood, ctx)
    before = memory.get("principal") or (f"relation:{memory['wanted_relation']}" if memory.get("wanted_relation") else None)
    if principal and before and principal != before:
        # Another person now: the places, dates and illness said were about the one before.
        for key in ("insured_area", "treatment_area", "category", "start_date", "end_date", "disease", "visit", "amount",
                    DRAFT):
            memory.pop(key, None)
    if principal and not principal.startswith("relation:"):
        memory["principal"] = principal
        memory.pop("wanted_relation", None)
    elif principal:
        memory["wanted_relation"] = principal.partition(":")[2]
        memory.pop("principal", None)
    # A date said with a look-up ("下周三去人民医院能直接结吗") is the day of a visit, not when a filing starts.
    lookup = understood.intent in ("will_settle", "find_institution", "estimate", "chronic_check")
    for key in ("insured_area", "treatment_area", "category", "start_date", "end_date", "disease", "visit",
                "amount", "phone"):
        if slots.get(key) and not (lookup and key in ("start_date", "end_date")):
            memory[key] = slots[key]
    if slots.get("area") and not slots.get("treatment_area") and understood.intent not in ("answer", "correct"):
        # A place said with a request ("深圳哪些医院") is where the care is; at a step it is the step's answer.
        memory["treatment_area"] = slots["area"]


def keep_flow_slots(memory: dict, flow_name: str | None, slots: dict) -> None:
    """Keep what a look-up flow left behind (place, disease, kind of care, amount) when another request comes."""
    if flow_name == "filing":
        keep_draft(memory, slots)
        return
    if slots.get("area"):
        memory["treatment_area"] = slots["area"]
    for key, remembered in (("disease", "disease"), ("care", "visit")):
        if slots.get(key):
            memory[remembered] = slots[key]
    if slots.get("amount") not in (None, "skip"):
        memory["amount"] = slots["amount"]


def keep_draft(memory: dict, slots: dict) -> None:
    """Keep an unfinished filing's answers, so starting it again resumes where it was."""
    kept = {k: v for k, v in slots.items() if v not in (None, "") and k not in (
        "confirmed", "editing", "edit_field", "commitment", "existing_action", "replaces")}
    if kept:
        memory[DRAFT] = kept


# The filing's answers that earlier words may fill in: the form says so when they do, "重新开始" forgets them.
_CARRIED = ("treatment_area", "category", "start_date", "end_date")


def forget_said(memory: dict) -> None:
    """Forget an unfinished filing and the places, category and dates said for it ("重新开始")."""
    for key in (DRAFT, *_CARRIED):
        memory.pop(key, None)


def carried_over(said_now: dict, slots: dict, ctx: Context) -> dict:
    """Return the form's values that came from earlier words, not from this message, as the reply shows them."""
    out = {}
    for key in _CARRIED:
        value = slots.get(key)
        if value in (None, "") or said_now.get(key) == value:
            continue
        out[key] = ctx.gazetteer.display_name(value, ctx.lang) if key == "treatment_area" else value
    return out


def merged(memory: dict, extraction: nlu.Extraction, ctx: Context) -> nlu.Extraction:
    """Return the message's extraction with what memory knows filled into its empty slots."""
    ex = extraction
    # An unfinished filing's own answers outrank what was said since in passing (a look-up's place or day).
    memory = {**memory, **{k: v for k, v in (memory.get(DRAFT) or {}).items()
                           if k in ("insured_area", "treatment_area", "category", "start_date")}}
    if ex.principal is None:
        if memory.get("principal", "").startswith("member:"):
            member = next((m for m in ctx.members if f"member:{m.person_id}" == memory["principal"]), None)
            if member is not None:
                ex.principal, ex.relation = "relative", member.relation
        elif memory.get("wanted_relation"):
            ex.principal, ex.relation = "relative", memory["wanted_relation"]
        elif memory.get("principal") == "self":
            ex.principal = "self"
    if ex.treatment_area is None and memory.get("treatment_area"):
        ex.treatment_area = ctx.gazetteer.lookup(memory["treatment_area"])
    if ex.insured_area is None and memory.get("insured_area"):
        ex.insured_area = ctx.gazetteer.lookup(memory["insured_area"])
    if ex.category is None and memory.get("category"):
        ex.category = memory["category"]
    if ex.start_date is None and memory.get("start_date"):
        ex.start_date = date.fromisoformat(memory["start_date"])
    if ex.phone is None and memory.get("phone") and len(memory["phone"]) == 11:
        ex.phone = memory["phone"]
    return ex


def prefill(flow_name: str, memory: dict, slots: dict, flow, ctx: Context) -> dict:
    """Return the slots of a starting flow that memory fills beyond what its start() found."""
    out: dict = {}
    if flow_name == "filing" and memory.get(DRAFT):
        names = {s.slot for s in flow.steps} | {"category_group", "wanted_relation"}
        out.update({k: v for k, v in memory[DRAFT].items() if k in names and not slots.get(k)})
    if flow_name in ("institution", "settlement", "chronic"):
        area_slot = "area"
        if memory.get("treatment_area") and not slots.get(area_slot):
            out[area_slot] = memory["treatment_area"]
        if memory.get("disease") and not slots.get("disease"):
            out["disease"] = memory["disease"]
            if flow_name != "chronic" and not slots.get("care"):
                out["care"] = "chronic"
        elif flow_name != "chronic" and memory.get("visit") and not slots.get("care"):
            out["care"] = memory["visit"]
        if memory.get("principal", "").startswith("member:") and slots.get("principal") in (None, "self"):
            out["principal"] = memory["principal"]
    checked = memory.get("checked")
    if memory.pop("follow_up", None) and checked and flow_name in ("institution", "settlement"):
        # "那下礼拜一呢": the hospital and the kind of care asked about last time, unless named anew.
        if not slots.get("institution") and not slots.get("named"):
            out["institution"], out["area"] = checked["institution"], checked.get("area") or slots.get("area")
        if not slots.get("care") and checked.get("care"):
            out["care"] = checked["care"]
            if checked.get("disease"):
                out["disease"] = checked["disease"]
        out["wants_estimate"] = False  # the same question again; the estimate stays a next step
    if flow_name == "settlement":
        if memory.get("amount") and not slots.get("amount"):
            out["amount"] = memory["amount"]
        if memory.pop("wants_estimate", None):
            out["wants_estimate"] = True
    return out


def next_steps(memory: dict, ctx: Context) -> tuple[Choice, ...]:
    """Return the natural next steps after an answer, each carrying what was said ("为母亲办备案（深圳）")."""
    who = None
    if memory.get("principal", "").startswith("member:"):
        member = next((m for m in ctx.members if f"member:{m.person_id}" == memory["principal"]), None)
        who = member.relation if member else None
    elif memory.get("wanted_relation"):
        who = memory["wanted_relation"]
    area = ctx.gazetteer.display_name(memory["treatment_area"], ctx.lang) if memory.get("treatment_area") else None
    params = {"relation": who, "area": area, "category": memory.get("category")}
    principal = memory.get("principal") or "self"
    filed = ctx.bound and not principal.startswith("relation:") and any(
        f.status in ("approved", "pending_review") for f in ctx.filings_for(principal))
    if filed:
        # Already filed: what helps next is where to go and what it costs, or changing the filing (only
        # offered when the insured area's lock allows it: never a choice that can only be refused).
        active = [f for f in ctx.filings_for(principal) if f.status in ("approved", "pending_review")]
        open_ = [f for f in active if not (f.lock_until and f.lock_until > ctx.today)]
        filed_area = ctx.gazetteer.display_name(active[0].treatment_area_code, ctx.lang) if active else None
        params = {**params, "area": filed_area or params["area"]}
        choices = [Choice("institution", "common.next_institution", params),
                   Choice("settlement", "common.next_estimate", params)]
        choices += ([Choice("change", "common.choice_change"), Choice("cancel", "common.choice_cancel")] if open_
                    else [Choice("my_filings", "common.choice_my_filings")])
    else:
        choices = [Choice("filing", "common.next_file", params),
                   Choice("institution", "common.next_institution", params),
                   Choice("settlement", "common.next_estimate", params),
                   Choice("my_filings", "common.choice_my_filings")]
    return tuple(choices)


def intro_params(slots: dict, ctx: Context) -> dict:
    """Return whom a starting flow is for, so its first words name the member ("为您母亲王**办")."""
    principal = slots.get("principal") or ""
    member = next((m for m in ctx.members if f"member:{m.person_id}" == principal), None)
    return {"relation": member.relation, "name": member.name_masked} if member else {}


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def explain_params(state, ctx: Context) -> dict:
    """Return what an explanation may mention: the insured area's lock and the letter's wording."""
    slots = state.slots if state is not None else {}
    principal = slots.get("principal") or "self"
    long_term = slots.get("category") if slots.get("category") in LONG_TERM_CATEGORIES else "long_term_resident"
    # The same rule that will lock the filing says until when (a date, never a month count of our own).
    letter_lock = ctx.lock_until_for(principal, {**slots, "category": long_term, "materials": "commitment_letter"})
    plain_lock = ctx.lock_until_for(principal, {**slots, "category": long_term, "materials": "documents"})
    insured = slots.get("insured_area") or ctx.insured_area_of(principal)
    rules = ctx.rules_for(insured) if insured else None
    accepted = bool(rules and long_term in rules.commitment_letter_categories)
    return {"insured": ctx.gazetteer.display_name(insured, ctx.lang) if insured and rules else None,
            "letter_accepted": accepted,
            "letter_lock": letter_lock.isoformat() if letter_lock and accepted else None,
            "plain_lock": plain_lock.isoformat() if plain_lock else None,
            "category": slots.get("category"), "step": state.step if state is not None else None,
            "temporary": slots.get("category") in TEMPORARY_CATEGORIES,
            # This draft's own lock, once what decides it (a long-term category and its papers) is known.
            "this_lock": _iso(ctx.lock_until_for(principal, slots))
            if slots.get("category") in LONG_TERM_CATEGORIES and slots.get("materials") else None}


# Which field a correction's value belongs to, when the message names none.
_VALUE_FIELDS = ("treatment_area", "insured_area", "start_date", "end_date", "category", "phone", "principal")


def correction_values(slots: dict, field_name: str | None) -> tuple[dict, str | None]:
    """Return ({slot: value}, the slot whose step checks it) for a correction, or ({}, None)."""
    if slots.get("area") and not (slots.get("treatment_area") or slots.get("insured_area")):
        place_field = field_name if field_name in ("insured_area", "treatment_area") else "treatment_area"
        return {place_field: slots["area"]}, place_field
    for name in _VALUE_FIELDS:
        if name == "principal":
            if slots.get("principal"):
                return {"principal": slots["principal"], "relation": slots.get("relation")}, "principal"
            continue
        if slots.get(name):
            return {name: slots[name]}, name
    return {}, None


def as_extraction(updates: dict, ctx: Context, original: nlu.Extraction) -> nlu.Extraction:
    """Return an extraction that says exactly the corrected value, for the step's own validator."""
    ex = nlu.Extraction(text=original.text)
    for role in ("treatment_area", "insured_area"):
        if updates.get(role):
            setattr(ex, role, ctx.gazetteer.lookup(updates[role]))
    if updates.get("start_date"):
        ex.start_date = date.fromisoformat(updates["start_date"])
    if updates.get("end_date"):
        ex.end_date = date.fromisoformat(updates["end_date"])
        ex.start_date = ex.start_date or ex.end_date
    ex.category = updates.get("category")
    ex.phone = updates.get("phone") if updates.get("phone") and len(updates["phone"]) == 11 else original.phone
    if updates.get("principal"):
        ex.principal, ex.relation = updates["principal"], updates.get("relation")
    ex.yes_no = None
    return ex


__all__ = ["remember", "principal_of", "keep_draft", "merged", "prefill", "next_steps", "explain_params",
           "correction_values", "as_extraction", "REMEMBERED"]
