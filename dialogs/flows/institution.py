"""The institution flow (找医院): what care, where, which institution; then will it settle there.

Offers at most four institutions a turn (two in large-text mode) with "more" and
"near me". The state diagram is in institution.mmd beside this file.
"""
from __future__ import annotations

import re
import sys

from dialogs import nlu
from dialogs.flow import Accept, Answer, Flow, Reject, register
from dialogs.flows.common import disease_answer, match_disease, place_from, steps_from
from dialogs.types import CheckInstitution, Choice, Context, Reply

# A named institution that several share ("协和"): at most this many are offered as choices.
NAMED_CHOICES = 4

VISITS = ("inpatient", "outpatient", "chronic", "pharmacy")
TABLE = (
    ("visit_date", "visit_date", "care"),
    ("care", "care", "disease"),
    ("disease", "disease", "area"),
    ("area", "area", "district"),
    ("district", "district", "institution"),
    ("institution", "institution", None),
)
_CARE_WORDS = nlu.CARE_ANSWER_WORDS  # the answer to "what care?": the looser words count too


def _care_from(text: str, ctx: Context) -> tuple[str | None, str | None]:
    disease = match_disease(text, ctx.diseases)
    if disease:
        return "chronic", disease
    for care, pattern in _CARE_WORDS:
        if re.search(pattern, text, re.IGNORECASE):
            return care, None
    return None, None


def start(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Start for the person themself, in the area of their approved filing when they have one."""
    slots = {"principal": "self", "page": 1}
    named = named_institution(extraction)
    area = ctx.filed_area_of("self")
    if area:
        slots["area"] = area
    slots.update(named)  # the hospital the person named decides the area
    slots.update({k: v for k, v in absorb(extraction, slots, ctx).items() if k not in slots})
    return slots


def named_institution(extraction: nlu.Extraction) -> dict:
    """The institution a message names: one (and its area), or the few it may be, to choose from."""
    if not extraction.institutions:
        return {}
    candidates = extraction.institutions[0].candidates
    if len(candidates) == 1:
        return {"institution": candidates[0].code, "area": candidates[0].area_code, "named": None}
    return {"named": [[c.code, c.name, c.area_code] for c in candidates[:20]], "page": 1}


# Words that put a visit in the past ("11月3号看的门诊", "上个月住过院"): a date without a year is then
# the last one, not the next.
_PAST = re.compile(r"看过|看的|住过|住的|做过|做的|开过|开的|那次|上次|已经|之前|以前|上个月|上周|上礼拜|去年|"
                   r"前几天|前天|昨天|出院了|花了|垫付了|交了|付了")


_CORRECTED = re.compile(r"不是|改成|改到|改为|换成|换到|而是|不去了|推到|推迟|提前到|instead|not .{1,20} but")


_CLAUSE_END = re.compile(r"[，。,.!！?？；;]")
_FUTURE = re.compile(r"要去|打算|准备|想去|会去|去呢|去的话|去行|去能|下个?|明年|今年|will|going to|plan")


def visit_date(extraction: nlu.Extraction, ctx: Context) -> dict:
    """The day of the visit this message says ("下周二", "12月15日", "明天住院"); never one said earlier.

    An impossible date ("12月32号") is kept as said, so the flow asks for the day instead of guessing.
    """
    mentions = nlu.find_dates(extraction.text, today=ctx.today)
    if not mentions:
        return {}
    # "不是今天去，是下礼拜三", "明天不去了，改成下周五": the day said last is the one meant.
    first = mentions[-1] if len(mentions) > 1 and _CORRECTED.search(extraction.text) else mentions[0]
    if first.value is None:
        return {"visit_date": None, "visit_date_said": extraction.text[first.start:first.end][:20]}
    day = first.value
    # A past cue counts only in the day's own clause ("11月3号在北大深圳医院看的门诊"), not anywhere in the message
    # ("备案还在审，材料也交了。那25号去鼓楼医院门诊呢").
    text = extraction.text
    starts = [m.end() for m in _CLAUSE_END.finditer(text[:first.start])]
    ends = _CLAUSE_END.search(text, first.end)
    near = text[(starts[-1] if starts else 0):(ends.start() if ends else len(text))]
    if day > ctx.today and not first.explicit_year and _PAST.search(near) and not _FUTURE.search(near):
        try:
            day = day.replace(year=day.year - 1)
        except ValueError:  # 2月29日
            pass
    return {"visit_date": day.isoformat(), "visit_date_said": None}


def absorb(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """Take the care type, disease, place, institution and visit date from any message."""
    found = {**visit_date(extraction, ctx), **named_institution(extraction)}
    care, disease = _care_from(extraction.text, ctx)
    if care and not slots.get("care"):
        found["care"] = care
        if disease:
            found["disease"] = disease
    if extraction.treatment_area is not None and extraction.treatment_area.pool_code:
        found["area"] = extraction.treatment_area.pool_code
    elif len(extraction.unassigned_areas) == 1 and extraction.unassigned_areas[0].pool_code:
        only = extraction.unassigned_areas[0]
        found["area"] = only.pool_code
        if only.level == "county":
            found["district"] = only.code
    return found


def finish(state, ctx: Context):
    """Check the chosen institution on the visit date (the backend explains); offer what comes next."""
    slots = state.slots
    effect = CheckInstitution(slots.get("principal", "self"), slots["institution"], slots["care"], slots.get("disease"),
                              on=slots.get("visit_date"))
    return after_check(state, ctx, effect, estimate=True)


def after_check(state, ctx: Context, effect, *, estimate: bool):
    """End the flow; the verdict comes from the backend, then the natural next steps as choices."""
    slots = state.slots
    principal = slots.get("principal", "self")
    area = ctx.gazetteer.display_name(slots["area"], ctx.lang) if slots.get("area") else None
    filed = any(f.status in ("approved", "pending_review") for f in ctx.filings_for(principal))
    choices = [] if filed else [Choice("filing", "common.next_file", {"area": area})]
    if estimate:
        choices.append(Choice("settlement", "common.next_estimate", {}))
    choices.append(Choice("institution", "institution.next_another", {"area": area}))
    if slots.get("area"):
        state.memory["treatment_area"] = slots["area"]
    # What was just asked, for a follow-up ("那下礼拜一呢"): the hospital, where, the kind of care.
    state.memory["checked"] = {"institution": slots["institution"], "area": slots.get("area"),
                               "care": slots.get("care"), "disease": slots.get("disease")}
    state.flow, state.flow_version, state.step, state.slots, state.undo = None, 0, "idle", {}, []
    state.offered = [c.value for c in choices]
    return (Reply("common.next_steps", {}, tuple(choices)),), (effect,)



# --- the day (asked only when the day said was impossible) ------------------------

def applies_visit_date(slots: dict, ctx: Context) -> bool:
    return bool(slots.get("visit_date_said"))


def params_visit_date(slots: dict, ctx: Context) -> dict:
    return {"said": slots.get("visit_date_said")}


def validate_visit_date(answer: Answer, slots: dict, ctx: Context):
    if re.search(r"今天|现在|马上", answer.text or "") and not nlu.find_dates(answer.text, today=ctx.today):
        return Accept({"visit_date": ctx.today.isoformat(), "visit_date_said": None})
    found = visit_date(answer.extraction, ctx)
    if found.get("visit_date"):
        return Accept(found)
    return Reject(Reply("institution.ask_visit_date", {"said": found.get("visit_date_said") or answer.text[:20]}))


# --- care and disease -----------------------------------------------------------

def choices_care(slots: dict, ctx: Context) -> list[Choice]:
    return [Choice(v, f"institution.choice_{v}") for v in VISITS]


def validate_care(answer: Answer, slots: dict, ctx: Context):
    care, disease = (answer.choice, None) if answer.choice else _care_from(answer.text, ctx)
    if care is None:
        return Reject(Reply("common.please_choose"))
    return Accept({"care": care, **({"disease": disease} if disease else {})})


def applies_disease(slots: dict, ctx: Context) -> bool:
    return slots.get("care") == "chronic"


def params_disease(slots: dict, ctx: Context) -> dict:
    return {"examples": [d.name for d in ctx.diseases[:4]]}


def validate_disease(answer: Answer, slots: dict, ctx: Context):
    return disease_answer(answer, ctx, "institution")


# --- where ------------------------------------------------------------------------

def applies_area(slots: dict, ctx: Context) -> bool:
    # A hospital named that several share: the choice between them comes first, naming their cities.
    return not _named_here(slots) or len(_named_here(slots)) > NAMED_CHOICES


def validate_area(answer: Answer, slots: dict, ctx: Context):
    entry = place_from(answer, ctx)
    if isinstance(entry, Reject):
        return entry
    updates = {"area": entry.pool_code, "page": 1}
    if entry.level == "county":
        updates["district"] = entry.code
    return Accept(updates)


def applies_district(slots: dict, ctx: Context) -> bool:
    # Asked only after "near me" without a location from the phone.
    return slots.get("near") == "ask"


def validate_district(answer: Answer, slots: dict, ctx: Context):
    # Many district names repeat across the country: look only inside the chosen area.
    entry = ctx.gazetteer.within(answer.text, slots.get("area", ""))
    if entry is None:
        return Reject(Reply("institution.unknown_district"))
    return Accept({"district": entry.code, "near": "district", "page": 1})


# --- which institution ------------------------------------------------------------

def _named_here(slots: dict) -> list:
    named = slots.get("named") or []
    inside = [n for n in named if n[2] == slots.get("area")]
    return inside or named


def _page(slots: dict, ctx: Context):
    per_page = 2 if ctx.large_text else 4
    location = ctx.location if slots.get("near") == "gps" else None
    return ctx.find_institutions(
        area=slots.get("area"), service=None if slots.get("disease") else slots.get("care"),
        disease=slots.get("disease"), district=slots.get("district"), page=slots.get("page", 1),
        per_page=per_page, location=location,
    )


def choices_institution(slots: dict, ctx: Context) -> list[Choice]:
    named = _named_here(slots)
    if named and len(named) <= NAMED_CHOICES:
        return [Choice(code, "institution.choice_named", {"name": name, "area": ctx.gazetteer.display_name(area, ctx.lang)})
                for code, name, area in named]
    hits, more = _page(slots, ctx)
    options = [Choice(h.code, "institution.choice_hit", {"name": h.name, "level": h.level, "km": h.distance_km})
               for h in hits]
    if more:
        options.append(Choice("more", "institution.choice_more"))
    if slots.get("near") is None:
        options.append(Choice("near", "institution.choice_near"))
    return options


def params_institution(slots: dict, ctx: Context) -> dict:
    named = _named_here(slots)
    entry = ctx.gazetteer.lookup(slots.get("area", ""))
    if named and len(named) <= NAMED_CHOICES:
        return {"area": ctx.gazetteer.display_name(entry.code, ctx.lang) if entry else None, "care": slots.get("care"), "named": True, "empty": False,
                "page": 1}
    hits, _ = _page(slots, ctx)
    return {"area": ctx.gazetteer.display_name(entry.code, ctx.lang) if entry else slots.get("area"), "care": slots.get("care"),
            "disease": slots.get("disease"), "empty": not hits, "page": slots.get("page", 1)}


def validate_institution(answer: Answer, slots: dict, ctx: Context):
    named = named_institution(answer.extraction)
    if named.get("institution"):
        return Accept({"institution": named["institution"], "area": named["area"], "named": None})
    if named.get("named"):
        return Accept({"named": named["named"], "page": 1})
    value = answer.choice
    if value is None and not re.search(r"更多|下一页|附近|离我近", answer.text or ""):
        place = place_from(answer, ctx)
        there = [n for n in slots.get("named") or [] if not isinstance(place, Reject) and n[2] == place.pool_code]
        if len(there) == 1:
            # "北京那个" among hospitals of one name in several cities.
            return Accept({"institution": there[0][0], "area": there[0][2], "named": None})
        if not isinstance(place, Reject):
            # "上海" at a list of hospitals: look in that city instead (never hospital no. 1).
            return Accept({"area": place.pool_code, "page": 1, "named": None,
                           **({"district": place.code} if place.level == "county" else {"district": None})})
    if value is None and re.search(r"更多|下一页|还有|别的", answer.text):
        value = "more"
    if value is None and re.search(r"附近|近一点|离我近", answer.text):
        value = "near"
    if value == "more":
        return Accept({"page": slots.get("page", 1) + 1})
    if value == "near":
        return Accept({"near": "gps" if ctx.location else "ask", "page": 1})
    if value is None and len((answer.text or "").strip()) >= 2:
        hits, _ = _page(slots, ctx)
        said = answer.text.strip()
        value = next((h.code for h in hits if said in h.name), None)
    if value is None:
        return Reject(Reply("common.please_choose"))
    return Accept({"institution": value})


FLOW = register(
    Flow(name="institution", version=1, steps=steps_from(sys.modules[__name__], "institution", TABLE),
         start=start, absorb=absorb, finish=finish),
)
