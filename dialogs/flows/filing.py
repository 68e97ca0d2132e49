"""The filing flow (备案): for whom, where, which category, from when, materials, phone, confirm.

The table below is the flow. Each slot has `validate_<slot>` and, where it offers
numbered options, `choices_<slot>`, found by name; its question is the prompt
`filing.ask_<slot>`. The state diagram is in filing.mmd beside this file.
"""
from __future__ import annotations

import re
import sys
from datetime import date

from dialogs import intents, nlu
from dialogs.nlu_dates import add_months, day_after, duration_end
from dialogs.flow import NOTES, Accept, Answer, Flow, Reject, register
from dialogs.flows.common import member_for, steps_from
from dialogs.types import Choice, Context, Reply, SubmitFiling

from dialogs.categories import LONG_TERM_CATEGORIES as LONG_TERM
from dialogs.masking import mask_phone
TEMPORARY = ("referral", "emergency", "other_temporary")
# Most often corrected first: large-text mode shows only the first four (the others can be named).
EDITABLE = ("treatment_area", "start_date", "category", "materials", "phone", "principal", "insured_area", "end_date")

# (step, slot, next step); prompts, validators and choices follow the naming convention.
TABLE = (
    ("principal", "principal", "insured_area"),
    ("insured_area", "insured_area", "treatment_area"),
    ("treatment_area", "treatment_area", "existing_action"),
    ("existing_action", "existing_action", "category_group"),
    ("category_group", "category_group", "category"),
    ("category", "category", "start_date"),
    ("start_date", "start_date", "end_date"),
    ("end_date", "end_date", "materials"),
    ("materials", "materials", "commitment"),
    ("commitment", "commitment", "phone"),
    ("phone", "phone", "edit_field"),
    ("edit_field", "edit_field", "confirmed"),
    ("confirmed", "confirmed", None),
)


# --- helpers ---------------------------------------------------------------

def _rules(slots: dict, ctx: Context):
    return ctx.rules_for(slots["insured_area"]) if slots.get("insured_area") else None


def _area_name(code: str | None, ctx: Context) -> str:
    return ctx.gazetteer.display_name(code, ctx.lang)


def _province(code: str, ctx: Context) -> str | None:
    entry = ctx.gazetteer.lookup(code)
    if entry is None:
        return None
    # The XPCC pools on its own although its cities lie in Xinjiang.
    return "660000" if code == "660000" or entry.pool_code == "660000" else entry.province_code


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def default_end(slots: dict, ctx: Context) -> date | None:
    """Return the end of validity the insured area gives a temporary filing."""
    rules = _rules(slots, ctx)
    if slots.get("category") not in TEMPORARY or not slots.get("start_date") or rules is None:
        return None
    months = rules.referral_validity_months if slots["category"] == "referral" else rules.temporary_validity_months
    return add_months(date.fromisoformat(slots["start_date"]), months)


def _materials_required(slots: dict, ctx: Context) -> tuple:
    rules = _rules(slots, ctx)
    return tuple(rules.materials.get(slots.get("category"), ())) if rules else ()


def _commitment_ok(slots: dict, ctx: Context) -> bool:
    rules = _rules(slots, ctx)
    return bool(rules and slots.get("category") in rules.commitment_letter_categories)


def _existing_in(slots: dict, ctx: Context):
    """Return the active filing this application would collide with (the rules decide which), or None."""
    found = _conflict(slots, ctx)
    return found[1] if found else None


def _conflict(slots: dict, ctx: Context):
    if not slots.get("principal") or not slots.get("treatment_area"):
        return None
    return ctx.conflict_for(slots["principal"], {k: v for k, v in slots.items() if k != "replaces"})


# --- flow hooks ------------------------------------------------------------

def start(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Return the first slots: what the profile knows plus what the first message said."""
    slots: dict = {}
    if extraction.principal == "relative":
        member = member_for(extraction.relation, ctx)
        if member:
            slots["principal"] = member
        else:
            slots["wanted_relation"] = extraction.relation or "other"
    elif not ctx.members:
        slots["principal"] = "self"
    if slots.get("principal"):
        slots["insured_area"] = ctx.insured_area_of(slots["principal"])
    slots.update({k: v for k, v in absorb(extraction, slots, ctx).items() if not slots.get(k)})
    return {k: v for k, v in slots.items() if v is not None}


def absorb(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """Return the slots an utterance fills, whatever step it answers."""
    found: dict = {}
    if extraction.treatment_area is not None and extraction.treatment_area.pool_code:
        found["treatment_area"] = extraction.treatment_area.pool_code
    elif extraction.treatment_area is None and len(extraction.unassigned_areas) == 1 and slots.get("insured_area"):
        # "我在苏州长期居住": one place and no role word; with the insured area known from
        # the profile, a place elsewhere can only be where the care happens.
        only = extraction.unassigned_areas[0]
        if only.pool_code and only.pool_code != slots["insured_area"]:
            found["treatment_area"] = only.pool_code
    if extraction.category and extraction.category in LONG_TERM and _TEMPORARY_STAY.search(extraction.text or "") \
            and not slots.get("category"):
        # "公司派我去成都出差两个月", "my company is sending me for 2 months": a posting that sounds short. Never
        # chosen in silence (a long-term filing is locked for months): the kinds are told apart and asked.
        found[NOTES] = (Reply("filing.group_unclear"),)
    elif extraction.category:
        found["category"] = extraction.category
        found["category_group"] = "long_term" if extraction.category in LONG_TERM else "temporary"
    category = found.get("category") or slots.get("category")
    if extraction.start_date:
        problem = _date_problem(extraction.start_date, category, ctx, slots.get("principal") or "self")
        if problem is None:
            found["start_date"] = extraction.start_date.isoformat()
        else:
            found[NOTES] = tuple(found.get(NOTES, ())) + (problem,)
    begins = found.get("start_date") or slots.get("start_date")
    if not extraction.end_date and category in ("referral", "other_temporary") and begins and not slots.get("end_date"):
        # "差不多三周": a length of stay said in passing ends the stay that many days after it starts.
        until = duration_end(extraction.text, date.fromisoformat(begins))
        limit = default_end({**slots, **found}, ctx)
        if until is not None and (limit is None or until <= limit):
            found["end_date"] = until.isoformat()
    if extraction.end_date and category in TEMPORARY and (found.get("start_date") or slots.get("start_date")):
        start = date.fromisoformat(found.get("start_date") or slots["start_date"])
        limit = default_end({**slots, **found}, ctx)
        ends = day_after(extraction.text, extraction.end_date, start)  # "下周一…到那周五": that week's Friday
        if start < ends and (limit is None or ends <= limit):
            found["end_date"] = ends.isoformat()
    if extraction.phone:
        found["phone"] = extraction.phone
    if extraction.insured_area is not None and extraction.insured_area.pool_code and not slots.get("insured_area"):
        found["insured_area"] = extraction.insured_area.pool_code
    # A treatment area that the rules would refuse is not taken silently: the
    # treatment_area step validates it and says why.
    if "treatment_area" in found and _refuse_area(found["treatment_area"], {**slots, **found}, ctx):
        found.pop("treatment_area")
    return found


def finish(state, ctx: Context):
    """Submit the confirmed filing; the backend adds the decision to the replies."""
    bookkeeping = ("confirmed", "edit_field", "wanted_relation", "editing", "existing_action", "commitment")
    slots = {k: v for k, v in state.slots.items() if k not in bookkeeping and v not in (None, "")}
    effect = SubmitFiling(slots=slots, submit_key=f"{ctx.session_key}:{state.turns}")
    state.flow, state.flow_version, state.step, state.offered = None, 0, "submitted", []
    state.slots, state.undo = {}, []
    # The request is done: what was said for it no longer prefills the next one ("我要办备案" next time
    # asks for whom again rather than assuming the mother filed for a minute ago).
    kept = {k: v for k, v in state.memory.items() if k == "lang"}
    state.memory.clear()
    state.memory.update(kept)
    return (), (effect,)


# --- principal --------------------------------------------------------------

def applies_principal(slots: dict, ctx: Context) -> bool:
    return bool(ctx.members) or bool(slots.get("wanted_relation"))


def choices_principal(slots: dict, ctx: Context) -> list[Choice]:
    options = [Choice("self", "filing.choice_self")]
    options += [Choice(f"member:{m.person_id}", "filing.choice_member",
                       {"relation": m.relation, "name": m.name_masked}) for m in ctx.members]
    if slots.get("wanted_relation") and not member_for(slots["wanted_relation"], ctx):
        options = options[:3] + [Choice("stop", "filing.choice_stop")]
    return options


def params_principal(slots: dict, ctx: Context) -> dict:
    return {"wanted": slots.get("wanted_relation"), "linked": bool(member_for(slots.get("wanted_relation"), ctx))}


def validate_principal(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    if value is None:
        ex = answer.extraction
        if ex.principal == "relative":
            value = member_for(ex.relation, ctx)
            if value is None:
                return Reject(Reply("filing.relative_not_linked", {"relation": ex.relation or "other"}))
        elif re.search(r"自己|本人|我$|^我", answer.text):
            value = "self"
    if value == "stop":
        return Accept({}, notes=(Reply("filing.stopped"),), end=True)
    if value is None:
        return Reject(Reply("filing.not_understood_principal"))
    updates = {"principal": value, "wanted_relation": None, "insured_area": ctx.insured_area_of(value)}
    if slots.get("wanted_relation") and value == "self":
        # What was said about the relative (their city, "退休了搬过去", their dates) is not the person's own
        # situation: filing for themselves instead starts from what they say now (memory keeps the rest).
        updates.update(dict.fromkeys(_ABOUT_THE_RELATIVE))
    return Accept(updates)


_ABOUT_THE_RELATIVE = ("treatment_area", "category", "category_group", "start_date", "end_date", "materials")


# --- areas ----------------------------------------------------------------

def validate_insured_area(answer: Answer, slots: dict, ctx: Context):
    ex = answer.extraction
    entry = ex.insured_area or (ex.unassigned_areas[0] if ex.unassigned_areas else None) or ex.treatment_area
    if entry is None:
        return Reject(Reply("filing.unknown_area", {"text": answer.text[:20]}))
    if not entry.pool_code:
        return Reject(Reply("filing.which_city", {"province": ctx.gazetteer.display_name(entry.code, ctx.lang)}))
    return Accept({"insured_area": entry.pool_code})


def _refuse_area(code: str, slots: dict, ctx: Context) -> Reply | None:
    insured = slots.get("insured_area")
    if insured and (code == insured or _province(code, ctx) == _province(insured, ctx)):
        return Reply("filing.same_province", {"treatment": _area_name(code, ctx), "insured": _area_name(insured, ctx)})
    return None


def validate_treatment_area(answer: Answer, slots: dict, ctx: Context):
    ex = answer.extraction
    entry = ex.treatment_area or (ex.unassigned_areas[0] if ex.unassigned_areas else None)
    if entry is None and ex.insured_area is not None and not slots.get("insured_area"):
        entry = ex.insured_area
    if entry is None:
        return Reject(Reply("filing.unknown_area", {"text": answer.text[:20]}))
    if not entry.pool_code:
        # Most provinces pool by city: a province alone does not say where to file.
        return Reject(Reply("filing.which_city", {"province": ctx.gazetteer.display_name(entry.code, ctx.lang)}))
    code = entry.pool_code
    refusal = _refuse_area(code, slots, ctx)
    if refusal:
        return Reject(refusal)
    return Accept({"treatment_area": code})


def params_treatment_area(slots: dict, ctx: Context) -> dict:
    return {"insured": _area_name(slots.get("insured_area"), ctx)}


# --- an existing filing for the same place ----------------------------------

def applies_existing_action(slots: dict, ctx: Context) -> bool:
    return not slots.get("replaces") and _existing_in(slots, ctx) is not None


def params_existing_action(slots: dict, ctx: Context) -> dict:
    kind, existing = _conflict(slots, ctx)
    locked = bool(existing.lock_until and existing.lock_until > ctx.today)
    who = _principal_words(slots, ctx)
    return {
        "principal": who["relation"], "principal_name": who["name"],
        "kind": kind, "reference": existing.reference, "area": _area_name(existing.treatment_area_code, ctx),
        "new_area": _area_name(slots.get("treatment_area"), ctx),
        "category": existing.category, "status": existing.status, "filed_by": existing.filed_by,
        "filed_by_name": existing.filed_by_name_masked, "submitted_on": _iso(existing.submitted_on),
        "start": _iso(existing.start_date), "end": _iso(existing.end_date),
        "locked": locked, "lock_until": _iso(existing.lock_until),
    }


def choices_existing_action(slots: dict, ctx: Context) -> list[Choice]:
    kind, existing = _conflict(slots, ctx)
    locked = bool(existing.lock_until and existing.lock_until > ctx.today)
    # With one long-term filing at a time, another city does not help: only a change (or keeping it) does.
    other = [] if kind == "one_long_term" else [Choice("other_area", "filing.choice_other_area")]
    if locked or existing.status == "pending_review":
        return other + [Choice("stop", "filing.choice_keep_existing")]
    moved_to = _area_name(slots.get("treatment_area"), ctx) if kind == "one_long_term" else None
    return [Choice("change", "filing.choice_change", {"area": moved_to})] + other + [
        Choice("stop", "filing.choice_keep_existing")]


def validate_existing_action(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    if value is None and answer.extraction.yes_no is False:
        value = "stop"
    kind, existing = _conflict(slots, ctx)
    locked = bool(existing.lock_until and existing.lock_until > ctx.today)
    if value is None and re.search(r"变更|更改|改", answer.text):
        value = "change"
    if value == "stop":
        return Accept({}, notes=(Reply("filing.kept_existing", {"reference": existing.reference}),), end=True)
    if value == "other_area" and kind != "one_long_term":
        return Accept({"treatment_area": None})
    if value == "change" and existing.status == "pending_review":
        return Reject(Reply("filing.existing_pending", {"reference": existing.reference}))
    if value == "change" and not locked:
        return Accept({"existing_action": "change", "replaces": existing.reference})
    if value == "change":
        return Reject(Reply("filing.change_locked", {"lock_until": _iso(existing.lock_until)}))
    return Reject(Reply("common.please_choose"))


# --- category ---------------------------------------------------------------

def applies_category_group(slots: dict, ctx: Context) -> bool:
    return not slots.get("category")


def choices_category_group(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice("long_term", "filing.choice_long_term"), Choice("temporary", "filing.choice_temporary")]


_LONG_CUE = re.compile(r"长期|一直|定居|常住|常驻|退休|派|long[- ]?term|permanent|for good|retire|posted|relocat|moving|"
                       r"employer|company (?:is )?send|send(?:s|ing)? me",
                       re.IGNORECASE)
# What makes a stay temporary even beside a long-term word: not "看病" or "visit", which every stay has.
_TEMPORARY_STAY = re.compile(r"临时|短期|几天|几个月|出差|旅游|temporar|short|a few (?:days|weeks|months)|business trip|"
                             r"(?<![\d十])[一两二三四五1-5]个多?月|[一两二三四五六七八九十\d]{1,2}(?:周|个?星期|个?礼拜|天)|"
                             r"\b(?:[1-5]|one|two|three|four|five|a couple(?: of)?|couple|few)\s+(?:months?|weeks?|days?)\b",
                             re.IGNORECASE)
# Any word of a temporary stay, as the answer to "long-term or temporary?".
_SHORT_CUE = re.compile(_TEMPORARY_STAY.pattern + r"|急诊|转诊|看病|\btrip\b|visit|emergency|referr", re.IGNORECASE)


def validate_category_group(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    long_cue, short_cue = _LONG_CUE.search(answer.text or ""), _SHORT_CUE.search(answer.text or "")
    if long_cue and _TEMPORARY_STAY.search(answer.text or ""):
        # "单位派我去 但是临时的", "my employer sends me but it's temporary": both kinds at once (whatever
        # choice the words seemed to point to). Say what tells them apart rather than pick one.
        return Reject(Reply("filing.group_unclear"))
    if value is None:
        value = "long_term" if long_cue else "temporary" if short_cue else None
    if value not in ("long_term", "temporary"):
        return Reject(Reply("common.please_choose"))
    return Accept({"category_group": value})


def choices_category(slots: dict, ctx: Context) -> list[Choice]:
    group = LONG_TERM if slots.get("category_group") != "temporary" else TEMPORARY
    rules = _rules(slots, ctx)
    offered = [c for c in group if rules is None or c in rules.categories_offered]
    if ctx.self_retired and slots.get("principal") == "self" and "retiree_resettled" in offered:
        offered.remove("retiree_resettled")
        offered.insert(0, "retiree_resettled")
    return [Choice(c, f"filing.choice_{c}") for c in offered]


def validate_category(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice or answer.extraction.category
    if value is None:
        return Reject(Reply("common.please_choose"))
    rules = _rules(slots, ctx)
    if rules is not None and value not in rules.categories_offered:
        return Reject(Reply("filing.category_not_offered", {"category": value, "area": _area_name(rules.area_code, ctx)}))
    updates = {"category": value, "category_group": "long_term" if value in LONG_TERM else "temporary"}
    # A date said before the category was known may not fit it (a long-term filing cannot start in the past).
    problem = (_date_problem(date.fromisoformat(slots["start_date"]), value, ctx, slots.get("principal") or "self")
               if slots.get("start_date") else None)
    if problem is not None:
        return Accept({**updates, "start_date": None, "end_date": None}, notes=(problem,))
    return Accept(updates)


# --- dates ------------------------------------------------------------------

def choices_start_date(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice(ctx.today.isoformat(), "filing.choice_today")]


def params_start_date(slots: dict, ctx: Context) -> dict:
    return {"category": slots.get("category")}


def _date_problem(start: date, category: str | None, ctx: Context, principal: str = "self") -> Reply | None:
    """Say why the filing rules would refuse this start date (None when they would not).

    The rules decide (backend/rules/filing_decision.check_dates, through the context): the conversation
    keeps no limits of its own, so it never accepts a date the decision later refuses, nor refuses one
    the rules would send to a reviewer (an emergency filed late).
    """
    problem = ctx.date_problem(principal, category, start, None)
    if problem is None:
        return None
    if problem.get("too_far"):
        return Reply("filing.date_too_far", {"latest": problem.get("latest")})
    return Reply("filing.date_in_past", {"category": category, "earliest": problem.get("earliest")})


def validate_start_date(answer: Answer, slots: dict, ctx: Context):
    raw = answer.choice or _iso(answer.extraction.start_date)
    if raw is None:
        return Reject(Reply("filing.bad_date"))
    start = date.fromisoformat(raw)
    category = slots.get("category")
    problem = _date_problem(start, category, ctx, slots.get("principal") or "self")
    if problem is not None:
        return Reject(problem)
    updates = {"start_date": start.isoformat()}
    end = answer.extraction.end_date
    if end and category in TEMPORARY and end > start:
        updates["end_date"] = end.isoformat()
    return Accept(updates)


def applies_end_date(slots: dict, ctx: Context) -> bool:
    # Emergencies take the area's validity without a question: nobody in an
    # emergency ward should be asked how long they plan to stay.
    return slots.get("category") in ("referral", "other_temporary")


def params_end_date(slots: dict, ctx: Context) -> dict:
    return {"default_end": _iso(default_end(slots, ctx))}


def choices_end_date(slots: dict, ctx: Context) -> list[Choice]:
    end = default_end(slots, ctx)
    return [Choice(end.isoformat(), "filing.choice_default_end", {"end": end.isoformat()})] if end else []


def validate_end_date(answer: Answer, slots: dict, ctx: Context):
    raw = answer.choice or _iso(answer.extraction.end_date or answer.extraction.start_date)
    if raw is None and slots.get("start_date"):
        # "去两个礼拜左右": a length of stay counts from the first day.
        raw = _iso(duration_end(answer.text, date.fromisoformat(slots["start_date"])))
    if raw is None and answer.extraction.yes_no is True and default_end(slots, ctx):
        raw = default_end(slots, ctx).isoformat()
    if raw is None:
        return Reject(Reply("filing.bad_date"))
    end, start, limit = date.fromisoformat(raw), date.fromisoformat(slots["start_date"]), default_end(slots, ctx)
    if answer.choice is None:
        end = day_after(answer.text, end, start)  # "24号" for a stay from 10 January is 24 January
    if end <= start:
        return Reject(Reply("filing.end_before_start", {"start": slots["start_date"]}))
    if limit and end > limit:
        return Reject(Reply("filing.end_too_late", {"default_end": limit.isoformat()}))
    return Accept({"end_date": end.isoformat()})


# --- materials --------------------------------------------------------------

def applies_materials(slots: dict, ctx: Context) -> bool:
    return bool(slots.get("category")) and bool(_materials_required(slots, ctx))


def params_materials(slots: dict, ctx: Context) -> dict:
    return {"alternatives": [list(a) for a in _materials_required(slots, ctx) if list(a) != ["commitment_letter"]],
            "commitment": _commitment_ok(slots, ctx), "area": _area_name(slots.get("insured_area"), ctx)}


def papers_note(slots: dict, ctx: Context) -> tuple[Reply, ...]:
    """Name the papers this area asks for this category, the first one first, and how to photograph them."""
    options = [[m for m in alt if m != "commitment_letter"] for alt in _materials_required(slots, ctx)]
    options = [o for o in options if o]
    if not options:
        return ()
    return (Reply("filing.papers_needed", {"papers": options[0], "others": options[1:]}),)


def papers_question(slots: dict, ctx: Context, step: str | None = None) -> tuple[Reply, ...]:
    """Answer "需要哪些材料 / 怎么上传" asked while filing: the papers, if chosen; else when they are asked."""
    if slots.get("materials") == "documents":
        notes = papers_note(slots, ctx)
        if notes:
            return tuple(Reply(n.prompt, {**n.params, "again": True}) for n in notes)
    known = bool(slots.get("category") and _rules(slots, ctx))
    return (Reply("filing.papers_later", {"known": known, "commitment": _commitment_ok(slots, ctx),
                                          "here": step == "materials",
                                          "area": _area_name(slots.get("insured_area"), ctx)}),)


def choices_materials(slots: dict, ctx: Context) -> list[Choice]:
    options = [Choice("documents", "filing.choice_documents")]
    if _commitment_ok(slots, ctx):
        options.insert(0, Choice("commitment_letter", "filing.choice_commitment_letter"))
    return options


def validate_materials(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    if value is None and re.search(r"承诺", answer.text):
        value = "commitment_letter"
    elif value is None and re.search(r"材料|证明|上传|户口|居住证|合同|转诊单", answer.text):
        value = "documents"
    if value == "commitment_letter" and not _commitment_ok(slots, ctx):
        return Reject(Reply("filing.commitment_not_accepted", {"area": _area_name(slots.get("insured_area"), ctx)}))
    if value not in ("commitment_letter", "documents"):
        return Reject(Reply("common.please_choose"))
    notes = papers_note(slots, ctx) if value == "documents" else ()
    return Accept({"materials": value, "commitment": None}, notes=notes)


# --- the commitment letter: shown in full, signed only by its own explicit choice ------------

def applies_commitment(slots: dict, ctx: Context) -> bool:
    return slots.get("materials") == "commitment_letter"


def params_commitment(slots: dict, ctx: Context) -> dict:
    return {"category": slots.get("category"), "treatment": _area_name(slots.get("treatment_area"), ctx),
            "insured": _area_name(slots.get("insured_area"), ctx), "principal": _principal_words(slots, ctx),
            "lock_until": _iso(ctx.lock_until_for(slots.get("principal", "self"),
                                                  {**slots, "materials": "commitment_letter"}))}


def choices_commitment(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice("signed", "filing.choice_sign_letter", irreversible=True),
            Choice("documents", "filing.choice_use_documents")]


_SIGN_WORDS = re.compile(r"^(?:我)?(?:已(?:经)?)?阅读(?:并|并且|了)?(?:承诺|同意)$|^我(?:愿意)?承诺$|^i\s*(?:have\s*)?read\s*(?:it\s*)?and\s*(?:i\s*)?promise$")


def validate_commitment(answer: Answer, slots: dict, ctx: Context):
    # Signing is a promise with legal weight: only the choice itself (its number or its own words)
    # signs. "好", "嗯", "可以" or a question never does.
    value = answer.choice
    squashed = re.sub(r"[\W_]+", "", answer.text.lower())
    if value is None and not re.search(r"[?？]", answer.text) and _SIGN_WORDS.match(squashed):
        value = "signed"
    elif value is None and re.search(r"材料|证明|户口|居住证|合同|转诊单|不签|不想签", answer.text):
        value = "documents"
    if value == "signed":
        return Accept({"commitment": "signed"})
    if value == "documents":
        return Accept({"materials": "documents", "commitment": None}, notes=papers_note(slots, ctx))
    return Reject(Reply("filing.sign_explicitly"))


# --- phone --------------------------------------------------------------------

def choices_phone(slots: dict, ctx: Context) -> list[Choice]:
    # "profile" is the phone of whoever is talking: for a relative filing for a
    # parent, the relative is the one who should hear back.
    if ctx.self_phone_masked:
        return [Choice("profile", "filing.choice_profile_phone", {"phone": ctx.self_phone_masked})]
    return []


def validate_phone(answer: Answer, slots: dict, ctx: Context):
    same = re.search(r"这个|原来|默认|我的|就用", answer.text) and not answer.extraction.phone
    if answer.choice == "profile" or ((answer.extraction.yes_no is True or same) and choices_phone(slots, ctx)):
        return Accept({"phone": "profile"})
    # A mobile number, read aloud ("幺三八…") or typed, or a landline with its area code.
    phone = answer.extraction.phone or intents.phone_of(answer.text)
    if phone is None:
        return Reject(Reply("filing.bad_phone"))
    return Accept({"phone": phone})


# --- confirm and edit ---------------------------------------------------------

def applies_edit_field(slots: dict, ctx: Context) -> bool:
    return bool(slots.get("editing"))


def choices_edit_field(slots: dict, ctx: Context) -> list[Choice]:
    # Only what the summary shows: a field never asked (no end date for long-term filings, no
    # materials where none are needed, whom for when nobody else can be chosen) is not offered.
    shown = [f for f in EDITABLE if slots.get(f) not in (None, "")]
    if not (ctx.members or slots.get("wanted_relation")):
        shown = [f for f in shown if f != "principal"]
    return [Choice(f, f"filing.field_{f}") for f in shown]


_FIELD_WORDS = {
    "principal": r"为谁|给谁|本人|家人|替", "insured_area": r"参保地|参保|交医保|医保在",
    "treatment_area": r"就医地|城市|地方|哪里|去哪", "category": r"类别|类型|身份",
    "start_date": r"开始|日期|时间|哪天", "end_date": r"结束|到期|截止|有效期",
    "materials": r"材料|承诺书|证明", "phone": r"电话|手机|号码",
}


def field_named(text: str) -> str | None:
    """Return the summary field a message names ("日期" -> start_date), if exactly one is named."""
    named = [f for f, pattern in _FIELD_WORDS.items() if re.search(pattern, text)]
    return named[0] if len(named) == 1 else None


def cleared_for(field: str) -> dict:
    """Return the slot updates that reopen one field of the summary (and what depends on it)."""
    cleared = {field: None, "editing": None, "edit_field": None}
    if field == "category":
        cleared.update({"category_group": None, "materials": None, "commitment": None, "end_date": None})
    if field == "start_date":
        cleared["end_date"] = None
    if field == "materials":
        cleared["commitment"] = None
    if field in ("treatment_area", "principal", "insured_area", "category"):
        cleared.update({"existing_action": None, "replaces": None})
    if field == "principal":
        cleared.update({"insured_area": None, "wanted_relation": None})
    return cleared


def validate_edit_field(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice or field_named(answer.text)
    if value not in EDITABLE:
        return Reject(Reply("common.please_choose"))
    return Accept(cleared_for(value))


def _principal_words(slots: dict, ctx: Context) -> dict:
    principal = slots.get("principal", "self")
    member = next((m for m in ctx.members if f"member:{m.person_id}" == principal), None)
    return {"relation": "self" if member is None else member.relation,
            "name": member.name_masked if member else None}


def params_confirmed(slots: dict, ctx: Context) -> dict:
    who = _principal_words(slots, ctx)
    return {
        "principal": who["relation"], "principal_name": who["name"],
        "insured": _area_name(slots.get("insured_area"), ctx),
        "treatment": _area_name(slots.get("treatment_area"), ctx),
        "category": slots.get("category"), "start": slots.get("start_date"),
        "end": slots.get("end_date") or _iso(default_end(slots, ctx)),
        "long_term": slots.get("category") in LONG_TERM,
        "materials": slots.get("materials"),
        "phone": ctx.self_phone_masked if slots.get("phone") == "profile" else mask_phone(slots.get("phone")),
        "replaces": slots.get("replaces"),
        # Told before submitting, not after: the lock is what makes this step irreversible.
        "lock_until": _iso(ctx.lock_until_for(slots.get("principal", "self"), slots)),
    }


def choices_confirmed(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice("yes", "filing.choice_submit", irreversible=True), Choice("edit", "filing.choice_edit")]


_SUBMIT_WORDS = re.compile(r"^(?:我)?(?:确认|确定)(?:提交|无误|没问题)?(?:吧|了)?$|^提交(?:吧|了)?$|^submit$|^confirm$")


# Agreement that is not "submit": answered with how to submit, never taken as the act.
_AGREEING = re.compile(r"就这样|就这么|^[中行好嗯对]|没问题|可以|没错|^ok|okay|looks good|sounds good|fine|alright|^yes|^yep|^sure",
                       re.IGNORECASE)


def validate_confirmed(answer: Answer, slots: dict, ctx: Context):
    # Submitting locks a long-term filing for months, so it is taken only from a reply to the whole summary
    # (which shows every field and the lock date): the choice's number or words that say "submit" ("确认提交").
    # A plain yes ("好", "对", "那就这样吧"), a question, a question mark or anything unclear asks again.
    value = answer.choice
    squashed = re.sub(r"[\W_]+", "", answer.text.lower())
    asked = bool(re.search(r"[?？]", answer.text))  # "确认提交？" is a question, never the act
    if value is None and not asked and _SUBMIT_WORDS.match(squashed):
        value = "yes"
    if value is None and (answer.extraction.yes_no is False or re.search(r"修改|改一下|不对|有误|错了", answer.text)):
        value = "edit"
    if value == "yes":
        return Accept({"confirmed": True})
    if value == "edit":
        return Accept({"editing": True})
    if answer.choice is None and (intents.is_hedge(answer.text) or answer.extraction.yes_no is True
                                  or _AGREEING.search(answer.text)):
        # "嗯 差不多吧", "好", "那就这样吧": not a yes to something that cannot be taken back; say what is.
        return Reject(Reply("filing.say_it_plainly"))
    return Reject(Reply("common.please_choose"))



FLOW = register(
    Flow(name="filing", version=1, steps=steps_from(sys.modules[__name__], "filing", TABLE),
         start=start, absorb=absorb, finish=finish),
)
