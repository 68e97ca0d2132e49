"""The change flow (变更备案): whose filing, which filing, the lock, what to change, the new value, confirm.

"哎呀 填错了 公司其实是派我去杭州 能改吗" already says the new value: the flow asks only
what is still unknown, then shows old → new and takes only a deliberate confirmation. New
values are checked by the filing flow's own checks (same province, dates), not rules of its
own. A filing inside the insured area's lock period is refused with its date. The backend
replaces the filing by a new version (filings.change_filing), so no second filing is left
active. The state diagram is in change.mmd beside this file; the intent layer starts it by name.
"""
from __future__ import annotations

import re
import sys
from datetime import date

from dialogs import nlu
from dialogs.flow import NOTES, Accept, Answer, Flow, Reject, register
from dialogs.flows import manage
from dialogs.flows.common import place_from, steps_from
from dialogs.flows.filing import LONG_TERM, TEMPORARY, _date_problem, _refuse_area
from dialogs.nlu_dates import add_months, day_near, shifted
from dialogs.types import ChangeFiling, Choice, Context, Reply

FAMILY = "change"
FIELDS = ("treatment_area", "start_date", "category")
# A question at the confirmation ("还是20号对吧？", "right?"): nothing in it is a new value.
_QUESTION = re.compile(r"[？?]|吗|对吧|是吧|对不对|是不是|呢\s*$|right\b|isn'?t it|is it\b")
TABLE = (
    ("field", "field", "treatment_area"),
    ("treatment_area", "treatment_area", "start_date"),
    ("start_date", "start_date", "category"),
    ("category", "category", "confirmed"),
    ("confirmed", "confirmed", None),
)
_FIELD_WORDS = (("treatment_area", r"就医地|城市|地方|哪里|去哪"), ("start_date", r"日期|时间|哪天|开始|几号"),
                ("category", r"类别|类型|身份|人员"))


def _open(slots: dict, ctx: Context):
    """Return the chosen filing when it may be changed now (known and not locked), else None."""
    filing = manage.chosen(slots, ctx)
    return None if filing is None or manage.locked(filing, ctx) else filing


def _categories(filing, slots: dict, ctx: Context) -> list[str]:
    """Return the other categories of the same kind (long-term or temporary) the insured area offers."""
    group = LONG_TERM if filing.category in LONG_TERM else TEMPORARY
    rules = ctx.rules_for(slots["insured_area"]) if slots.get("insured_area") else None
    return [c for c in group if c != filing.category and (rules is None or c in rules.categories_offered)]


def start(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Whose filing, which one, and any new value the first message already gives."""
    slots = manage.start_slots(extraction, ctx)
    slots.update({k: v for k, v in absorb(extraction, slots, ctx).items() if not slots.get(k)})
    return slots


def absorb(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """Take the filing's place, and new values, from any message (never overwriting an answer)."""
    found: dict = {}
    if slots.get("principal") and not slots.get("reference"):
        found.update(manage.which_filing(extraction, slots, ctx))
    if not slots.get("principal") or manage.is_locked({**slots, **found}, ctx):
        return found
    notes = []
    # A place that is not one of the person's filings is where they want the filing moved to
    # ("应该是无锡不是苏州": 苏州 picks the filing, 无锡 is the new city).
    current = {f.treatment_area_code for f in manage.filings_of(slots["principal"], ctx)}
    new = [code for code in manage.mentioned_areas(extraction) if code not in current]
    if len(new) == 1 and not slots.get("treatment_area"):
        refusal = _refuse_area(new[0], slots, ctx)
        if refusal is None:
            found["treatment_area"] = new[0]
        else:
            notes.append(refusal)
        found["field"] = "treatment_area"
    filing = _open({**slots, **found}, ctx)
    said = (shifted(extraction.text, filing.start_date) or (
        day_near(extraction.text, extraction.start_date, filing.start_date, ctx.today) if extraction.start_date
        else None)) if filing is not None else None
    if filing is not None and said and said != filing.start_date:
        problem = _date_problem(said, filing.category, ctx)
        if problem is None:
            found["start_date"] = said.isoformat()
        else:
            notes.append(problem)
        found.setdefault("field", "start_date")
    if filing is not None and extraction.category in _categories(filing, slots, ctx):
        found["category"] = extraction.category
        found.setdefault("field", "category")
    if notes:
        found[NOTES] = tuple(notes)
    return found


def changes_of(slots: dict, ctx: Context) -> dict:
    """Return the fields the new version changes, with the start it must move to when the old one cannot stay."""
    filing = manage.chosen(slots, ctx)
    changes = {k: slots[k] for k in FIELDS if slots.get(k)}
    if "start_date" not in changes and _date_problem(filing.start_date, changes.get("category", filing.category), ctx):
        # The new version is decided as a new filing: a long-term one started last year cannot start
        # then again, so it starts today (shown in the confirmation like any other change).
        changes["start_date"] = ctx.today.isoformat()
    return changes


def finish(state, ctx: Context):
    """Ask the backend to replace the filing, or refuse truthfully when the area's lock forbids it."""
    if manage.is_locked(state.slots, ctx):
        reply = manage.refusal(FAMILY, state.slots, ctx)
        manage.end_offering(state, reply.choices)
        return (reply,), ()
    changes = changes_of(state.slots, ctx)
    end = kept_end(manage.chosen(state.slots, ctx), changes)
    if end is not None:
        changes["end_date"] = end.isoformat()  # the stay still ends when it did: shown on the confirmation
    effect = ChangeFiling(principal=state.slots["principal"], reference=state.slots["reference"], changes=changes)
    manage.end_offering(state)
    return (), (effect,)



# --- what to change ------------------------------------------------------------------

def applies_field(slots: dict, ctx: Context) -> bool:
    return _open(slots, ctx) is not None and not any(slots.get(k) for k in FIELDS)


def params_field(slots: dict, ctx: Context) -> dict:
    return manage.describe(manage.chosen(slots, ctx), slots, ctx)


def choices_field(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice(f, f"change.field_{f}") for f in FIELDS]


def validate_field(answer: Answer, slots: dict, ctx: Context):
    given = next((f for f in FIELDS if slots.get(f)), None)
    value = answer.choice or given
    if value is None:
        value = next((f for f, pattern in _FIELD_WORDS if re.search(pattern, answer.text)), None)
    if value not in FIELDS:
        return Reject(Reply("common.please_choose"))
    return Accept({"field": value})


def applies_treatment_area(slots: dict, ctx: Context) -> bool:
    return slots.get("field") == "treatment_area" and _open(slots, ctx) is not None


def params_treatment_area(slots: dict, ctx: Context) -> dict:
    return manage.describe(manage.chosen(slots, ctx), slots, ctx)


def validate_treatment_area(answer: Answer, slots: dict, ctx: Context):
    entry = place_from(answer, ctx)
    if isinstance(entry, Reject):
        return entry
    filing = manage.chosen(slots, ctx)
    if entry.pool_code == filing.treatment_area_code:
        return Reject(Reply("change.same_value", {"field": "treatment_area"}))
    refusal = _refuse_area(entry.pool_code, slots, ctx)
    if refusal is not None:
        return Reject(refusal)
    return Accept({"treatment_area": entry.pool_code})


def applies_start_date(slots: dict, ctx: Context) -> bool:
    return slots.get("field") == "start_date" and _open(slots, ctx) is not None


def params_start_date(slots: dict, ctx: Context) -> dict:
    return manage.describe(manage.chosen(slots, ctx), slots, ctx)


def validate_start_date(answer: Answer, slots: dict, ctx: Context):
    # "改到下周一开始" reads as an end ("到…"); at this step any single date is the new start.
    filing = manage.chosen(slots, ctx)
    said = shifted(answer.text, filing.start_date) or answer.extraction.start_date or answer.extraction.end_date
    if said is None:
        return Reject(Reply("filing.bad_date"))
    said = day_near(answer.text, said, filing.start_date, ctx.today)  # "12号" for a 10 January start: 12 January
    if said == filing.start_date:
        return Reject(Reply("change.same_value", {"field": "start_date"}))
    problem = _date_problem(said, filing.category, ctx)
    if problem is not None:
        return Reject(problem)
    return Accept({"start_date": said.isoformat()})


def applies_category(slots: dict, ctx: Context) -> bool:
    return slots.get("field") == "category" and _open(slots, ctx) is not None


def params_category(slots: dict, ctx: Context) -> dict:
    filing = manage.chosen(slots, ctx)
    return {**manage.describe(filing, slots, ctx), "others": bool(_categories(filing, slots, ctx))}


def choices_category(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice(c, f"filing.choice_{c}") for c in _categories(manage.chosen(slots, ctx), slots, ctx)]


def validate_category(answer: Answer, slots: dict, ctx: Context):
    filing = manage.chosen(slots, ctx)
    value = answer.choice or answer.extraction.category
    if value == filing.category:
        return Reject(Reply("change.same_value", {"field": "category"}))
    if value not in _categories(filing, slots, ctx):
        return Reject(Reply("common.please_choose"))
    return Accept({"category": value})


# --- old → new, and a deliberate confirmation ------------------------------------------

def applies_confirmed(slots: dict, ctx: Context) -> bool:
    # A locked filing gets no confirmation at all: finish() says why and until when.
    return not manage.is_locked(slots, ctx)


def kept_end(filing, changes: dict) -> date | None:
    """The end of a temporary filing's stay is kept when only its start or city moves (and it still follows)."""
    start = date.fromisoformat(changes["start_date"]) if changes.get("start_date") else filing.start_date
    category = changes.get("category") or filing.category
    if filing.end_date and category in TEMPORARY and filing.end_date > start:
        return filing.end_date
    return None


def params_confirmed(slots: dict, ctx: Context) -> dict:
    filing, changes = manage.chosen(slots, ctx), changes_of(slots, ctx)
    lines = []
    if changes.get("treatment_area"):
        lines.append({"field": "treatment_area", "old": manage.area_name(filing.treatment_area_code, ctx),
                      "new": manage.area_name(changes["treatment_area"], ctx)})
    if changes.get("start_date"):
        lines.append({"field": "start_date", "old": manage.day(filing.start_date),
                      "new": manage.day(date.fromisoformat(changes["start_date"]))})
    if changes.get("category"):
        lines.append({"field": "category", "old": filing.category, "new": changes["category"]})
    category = changes.get("category") or filing.category
    rules = ctx.rules_for(slots["insured_area"]) if slots.get("insured_area") else None
    # The new version starts a new lock; at least the area's change lock (a commitment letter may add more).
    relock = add_months(ctx.today, rules.change_lock_months) if rules and category in LONG_TERM else None
    # What stays: the end of the stay, said so the person sees the whole new filing before confirming.
    end = kept_end(filing, changes)
    return {**manage.describe(filing, slots, ctx), "changes": lines, "relock": manage.day(relock),
            "end": manage.day(end) if end else None, "open_end": filing.end_date is None or end is None}


def choices_confirmed(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice("confirm", "change.choice_confirm", irreversible=True), Choice("keep", "change.choice_keep")]


def _edit_at_summary(answer: Answer, slots: dict, ctx: Context):
    """Take "不对，是杭州" / "日期改成12月1日" said at the summary as a new value, checked like any other.

    A question ("回来那天还是20号对吧？") changes nothing: it is answered with what stays as it is.
    """
    filing = manage.chosen(slots, ctx)
    if _QUESTION.search(answer.text or ""):
        return Reject(Reply("change.rest_unchanged", params_confirmed(slots, ctx)))
    current = {f.treatment_area_code for f in manage.filings_of(slots.get("principal"), ctx)}
    places = [c for c in manage.mentioned_areas(answer.extraction) if c not in current]
    if len(places) == 1 and places[0] != slots.get("treatment_area"):
        refusal = _refuse_area(places[0], slots, ctx)
        return Reject(refusal) if refusal else Accept({"treatment_area": places[0]})
    said = answer.extraction.start_date
    if said and said.isoformat() != slots.get("start_date") and said != filing.start_date:
        problem = _date_problem(said, filing.category, ctx)
        return Reject(problem) if problem else Accept({"start_date": said.isoformat()})
    return None


def validate_confirmed(answer: Answer, slots: dict, ctx: Context):
    value = manage.confirmation(FAMILY, answer)
    if value != "confirm":
        # "不对，是南京" reads as a no, but it names the value to use instead.
        edited = _edit_at_summary(answer, slots, ctx)
        if edited is not None:
            return edited
    if value == "confirm":
        return Accept({"confirmed": True})
    if value == "keep":
        filing = manage.chosen(slots, ctx)
        return Accept({}, notes=(Reply("change.kept", {"area": manage.area_name(filing.treatment_area_code, ctx)}),),
                      end=True)
    return Reject(Reply("change.how_to_confirm"))



FLOW = register(
    Flow(name=FAMILY, version=1,
         steps=manage.whose_and_which(FAMILY, "field") + steps_from(sys.modules[__name__], FAMILY, TABLE),
         start=start, absorb=absorb, finish=finish, precondition=manage.precondition(FAMILY)),
)
