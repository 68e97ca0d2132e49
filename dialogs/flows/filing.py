"""The filing flow (备案): for whom, where, which category, from when, materials, phone, confirm.

The table below is the flow. Each slot has `validate_<slot>` and, where it offers
numbered options, `choices_<slot>`, found by name; its question is the prompt
`filing.ask_<slot>`. The state diagram is in filing.mmd beside this file.
"""
from __future__ import annotations

import re
import sys
from datetime import date, timedelta

from dialogs import nlu
from dialogs.nlu_dates import add_months
from dialogs.engine import NOTES, Accept, Answer, Flow, Reject, register
from dialogs.flows.common import member_for, steps_from
from dialogs.types import Choice, Context, Reply, SubmitFiling

LONG_TERM = ("retiree_resettled", "long_term_resident", "posted_worker")
TEMPORARY = ("referral", "emergency", "other_temporary")
# How far back a start date may lie for late filing (补办) of non-emergency temporary care.
LATE_FILING_DAYS = 30
# Emergency admissions older than this are surely settled already; refuse to guess.
EMERGENCY_MAX_PAST_DAYS = 90
MAX_AHEAD_DAYS = 366
EDITABLE = ("treatment_area", "category", "start_date", "phone")

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
    ("materials", "materials", "phone"),
    ("phone", "phone", "edit_field"),
    ("edit_field", "edit_field", "confirmed"),
    ("confirmed", "confirmed", None),
)


# --- helpers ---------------------------------------------------------------

def _rules(slots: dict, ctx: Context):
    return ctx.rules_for(slots["insured_area"]) if slots.get("insured_area") else None


def _area_name(code: str | None, ctx: Context) -> str:
    entry = ctx.gazetteer.lookup(code) if code else None
    return entry.name if entry else (code or "")


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
    if not slots.get("principal") or not slots.get("treatment_area"):
        return None
    return next((f for f in ctx.filings_for(slots["principal"])
                 if f.treatment_area_code == slots["treatment_area"]), None)


# --- flow hooks ------------------------------------------------------------

def precondition(ctx: Context) -> Reply | None:
    """Refuse to start when the user's WeChat is not yet bound to an insured person."""
    return None if ctx.bound else Reply("filing.need_identity")


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
    if extraction.category:
        found["category"] = extraction.category
        found["category_group"] = "long_term" if extraction.category in LONG_TERM else "temporary"
    category = found.get("category") or slots.get("category")
    if extraction.start_date:
        problem = _date_problem(extraction.start_date, category, ctx)
        if problem is None:
            found["start_date"] = extraction.start_date.isoformat()
        else:
            found[NOTES] = (problem,)
    if extraction.end_date and category in TEMPORARY and (found.get("start_date") or slots.get("start_date")):
        start = date.fromisoformat(found.get("start_date") or slots["start_date"])
        limit = default_end({**slots, **found}, ctx)
        if start < extraction.end_date and (limit is None or extraction.end_date <= limit):
            found["end_date"] = extraction.end_date.isoformat()
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
    bookkeeping = ("confirmed", "edit_field", "wanted_relation", "editing", "existing_action")
    slots = {k: v for k, v in state.slots.items() if k not in bookkeeping and v not in (None, "")}
    effect = SubmitFiling(slots=slots, submit_key=f"{ctx.session_key}:{state.turns}")
    state.flow, state.flow_version, state.step, state.offered = None, 0, "submitted", []
    state.slots, state.undo = {}, []
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
    return Accept({"principal": value, "wanted_relation": None, "insured_area": ctx.insured_area_of(value)})


# --- areas ----------------------------------------------------------------

def validate_insured_area(answer: Answer, slots: dict, ctx: Context):
    ex = answer.extraction
    entry = ex.insured_area or (ex.unassigned_areas[0] if ex.unassigned_areas else None) or ex.treatment_area
    if entry is None:
        return Reject(Reply("filing.unknown_area", {"text": answer.text[:20]}))
    if not entry.pool_code:
        return Reject(Reply("filing.which_city", {"province": entry.name}))
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
        return Reject(Reply("filing.which_city", {"province": entry.name}))
    code = entry.pool_code
    refusal = _refuse_area(code, slots, ctx)
    if refusal:
        return Reject(refusal)
    return Accept({"treatment_area": code})


def params_treatment_area(slots: dict, ctx: Context) -> dict:
    return {"insured": _area_name(slots.get("insured_area"), ctx)}


# --- an existing filing for the same place ----------------------------------

def applies_existing_action(slots: dict, ctx: Context) -> bool:
    return _existing_in(slots, ctx) is not None and not slots.get("replaces")


def params_existing_action(slots: dict, ctx: Context) -> dict:
    existing = _existing_in(slots, ctx)
    locked = bool(existing.lock_until and existing.lock_until > ctx.today)
    return {
        "reference": existing.reference, "area": _area_name(existing.treatment_area_code, ctx),
        "category": existing.category, "status": existing.status, "filed_by": existing.filed_by,
        "filed_by_name": existing.filed_by_name_masked, "submitted_on": _iso(existing.submitted_on),
        "start": _iso(existing.start_date), "end": _iso(existing.end_date),
        "locked": locked, "lock_until": _iso(existing.lock_until),
    }


def choices_existing_action(slots: dict, ctx: Context) -> list[Choice]:
    existing = _existing_in(slots, ctx)
    if existing.lock_until and existing.lock_until > ctx.today:
        return [Choice("other_area", "filing.choice_other_area"), Choice("stop", "filing.choice_stop")]
    return [Choice("change", "filing.choice_change"), Choice("other_area", "filing.choice_other_area"),
            Choice("stop", "filing.choice_stop")]


def validate_existing_action(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    if value is None and answer.extraction.yes_no is False:
        value = "stop"
    existing = _existing_in(slots, ctx)
    locked = bool(existing.lock_until and existing.lock_until > ctx.today)
    if value is None and re.search(r"变更|更改|改", answer.text):
        value = "change"
    if value == "stop":
        return Accept({}, notes=(Reply("filing.stopped"),), end=True)
    if value == "other_area":
        return Accept({"treatment_area": None})
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


def validate_category_group(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    if value is None and re.search(r"长期|一直|定居|常住|退休|派", answer.text):
        value = "long_term"
    elif value is None and re.search(r"临时|短期|几天|出差|旅游|急诊|转诊|看病", answer.text):
        value = "temporary"
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
    problem = _date_problem(date.fromisoformat(slots["start_date"]), value, ctx) if slots.get("start_date") else None
    if problem is not None:
        return Accept({**updates, "start_date": None, "end_date": None}, notes=(problem,))
    return Accept(updates)


# --- dates ------------------------------------------------------------------

def choices_start_date(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice(ctx.today.isoformat(), "filing.choice_today")]


def params_start_date(slots: dict, ctx: Context) -> dict:
    return {"category": slots.get("category")}


def _date_problem(start: date, category: str | None, ctx: Context) -> Reply | None:
    """Say why a start date cannot be used for this category (None when it can)."""
    earliest = ctx.today
    if category == "emergency":
        earliest = ctx.today - timedelta(days=EMERGENCY_MAX_PAST_DAYS)
    elif category in TEMPORARY:
        earliest = ctx.today - timedelta(days=LATE_FILING_DAYS)
    if start < earliest:
        return Reply("filing.date_in_past", {"category": category, "earliest": earliest.isoformat()})
    if start > ctx.today + timedelta(days=MAX_AHEAD_DAYS):
        return Reply("filing.date_too_far", {"latest": (ctx.today + timedelta(days=MAX_AHEAD_DAYS)).isoformat()})
    return None


def validate_start_date(answer: Answer, slots: dict, ctx: Context):
    raw = answer.choice or _iso(answer.extraction.start_date)
    if raw is None:
        return Reject(Reply("filing.bad_date"))
    start = date.fromisoformat(raw)
    category = slots.get("category")
    problem = _date_problem(start, category, ctx)
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
    if raw is None and answer.extraction.yes_no is True and default_end(slots, ctx):
        raw = default_end(slots, ctx).isoformat()
    if raw is None:
        return Reject(Reply("filing.bad_date"))
    end, start, limit = date.fromisoformat(raw), date.fromisoformat(slots["start_date"]), default_end(slots, ctx)
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
    elif value is None and answer.extraction.yes_no is True and _commitment_ok(slots, ctx):
        value = "commitment_letter"
    if value == "commitment_letter" and not _commitment_ok(slots, ctx):
        return Reject(Reply("filing.commitment_not_accepted", {"area": _area_name(slots.get("insured_area"), ctx)}))
    if value not in ("commitment_letter", "documents"):
        return Reject(Reply("common.please_choose"))
    return Accept({"materials": value})


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
    phone = answer.extraction.phone
    if phone is None:
        return Reject(Reply("filing.bad_phone"))
    return Accept({"phone": phone})


# --- confirm and edit ---------------------------------------------------------

def applies_edit_field(slots: dict, ctx: Context) -> bool:
    return bool(slots.get("editing"))


def choices_edit_field(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice(f, f"filing.field_{f}") for f in EDITABLE]


def validate_edit_field(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    keywords = {"treatment_area": r"就医地|城市|地方|哪里", "category": r"类别|类型|身份",
                "start_date": r"日期|时间|哪天", "phone": r"电话|手机|号码"}
    if value is None:
        value = next((f for f, pattern in keywords.items() if re.search(pattern, answer.text)), None)
    if value not in EDITABLE:
        return Reject(Reply("common.please_choose"))
    cleared = {value: None, "editing": None, "edit_field": None}
    if value == "category":
        cleared.update({"category_group": None, "materials": None, "end_date": None})
    if value == "start_date":
        cleared["end_date"] = None
    if value == "treatment_area":
        cleared.update({"existing_action": None, "replaces": None})
    return Accept(cleared)


def params_confirmed(slots: dict, ctx: Context) -> dict:
    principal = slots.get("principal", "self")
    member = next((m for m in ctx.members if f"member:{m.person_id}" == principal), None)
    return {
        "principal": "self" if member is None else member.relation,
        "principal_name": member.name_masked if member else None,
        "insured": _area_name(slots.get("insured_area"), ctx),
        "treatment": _area_name(slots.get("treatment_area"), ctx),
        "category": slots.get("category"), "start": slots.get("start_date"),
        "end": slots.get("end_date") or _iso(default_end(slots, ctx)),
        "long_term": slots.get("category") in LONG_TERM,
        "materials": slots.get("materials"),
        "phone": ctx.self_phone_masked if slots.get("phone") == "profile" else _mask_phone(slots.get("phone")),
        "replaces": slots.get("replaces"),
    }


def _mask_phone(phone: str | None) -> str | None:
    return phone[:3] + "****" + phone[-4:] if phone and len(phone) >= 7 else phone


def choices_confirmed(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice("yes", "filing.choice_submit"), Choice("edit", "filing.choice_edit")]


def validate_confirmed(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    if value is None and answer.extraction.yes_no is not None:
        value = "yes" if answer.extraction.yes_no else "edit"
    if value is None and re.search(r"修改|改一下|不对", answer.text):
        value = "edit"
    if value == "yes":
        return Accept({"confirmed": True})
    if value == "edit":
        return Accept({"editing": True})
    return Reject(Reply("common.please_choose"))


def trigger(text: str, extraction: nlu.Extraction, ctx: Context) -> bool:
    """Start this flow when the message is about filing, treatment elsewhere or settlement."""
    if re.search(r"备案|异地|外地|报销|结算|看病|就医|住院|急诊|转诊|退休|派我|出差|医保", text):
        return True
    return bool(extraction.category or extraction.treatment_area or extraction.insured_area
                or (extraction.principal == "relative" and re.search(r"帮|替|给|为", text)))


FLOW = register(
    Flow(name="filing", version=1, steps=steps_from(sys.modules[__name__], "filing", TABLE),
         start=start, absorb=absorb, finish=finish, precondition=precondition),
    trigger=trigger,
)
