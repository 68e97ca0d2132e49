"""The institution flow (找医院): what care, where, which institution; then will it settle there.

Offers at most four institutions a turn (two in large-text mode) with "more" and
"near me". The state diagram is in institution.mmd beside this file.
"""
from __future__ import annotations

import re
import sys

from dialogs import nlu
from dialogs.engine import Accept, Answer, Flow, Reject, register
from dialogs.flows.common import disease_answer, place_from, steps_from
from dialogs.types import CheckInstitution, Choice, Context, DiseaseEntry, Reply

VISITS = ("inpatient", "outpatient", "chronic", "pharmacy")
TABLE = (
    ("care", "care", "disease"),
    ("disease", "disease", "area"),
    ("area", "area", "district"),
    ("district", "district", "institution"),
    ("institution", "institution", None),
)
_CARE_WORDS = (
    ("pharmacy", r"买药|拿药|药店|药房|配药"),
    ("inpatient", r"住院|手术|开刀"),
    ("chronic", r"慢病|慢特病|慢性病|透析|化疗|放疗"),
    ("outpatient", r"门诊|看病|看医生|复查|检查|挂号"),
)


def match_disease(text: str, diseases: tuple[DiseaseEntry, ...]) -> str | None:
    """Return the disease a message names by its name or a common word for it (longest word wins)."""
    lowered = text.lower()
    best = None
    for disease in diseases:
        for word in (disease.name, *disease.synonyms):
            if word and word.lower() in lowered and (best is None or len(word) > best[1]):
                best = (disease.code, len(word))
    return best[0] if best else None


def _care_from(text: str, ctx: Context) -> tuple[str | None, str | None]:
    disease = match_disease(text, ctx.diseases)
    if disease:
        return "chronic", disease
    for care, pattern in _CARE_WORDS:
        if re.search(pattern, text):
            return care, None
    return None, None


def start(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Start for the person themself, in the area of their approved filing when they have one."""
    slots = {"principal": "self", "page": 1}
    area = ctx.filed_area_of("self")
    if area:
        slots["area"] = area
    slots.update({k: v for k, v in absorb(extraction, slots, ctx).items() if k not in slots})
    return slots


def absorb(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """Take the care type, disease and place from any message."""
    found = {}
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
    """Check the chosen institution (the backend explains and records it)."""
    slots = state.slots
    effect = CheckInstitution(slots.get("principal", "self"), slots["institution"], slots["care"], slots.get("disease"))
    state.flow, state.flow_version, state.step, state.offered, state.slots, state.undo = None, 0, "idle", [], {}, []
    return (), (effect,)


def trigger(text: str, extraction: nlu.Extraction, ctx: Context) -> bool:
    """Start when someone asks for a hospital, clinic or pharmacy."""
    asks_for_a_place = re.search(r"医院|诊所|药店|药房|哪里能|哪家|附近", text)
    # Words of a filing story ("医院让我转诊", "急诊住院了") belong to the filing flow.
    tells_a_filing_story = re.search(r"备案|转诊|转院|急诊|抢救|退休|派我|派到|出差|旅游|探亲|搬|长期|参保", text)
    return bool(asks_for_a_place) and not tells_a_filing_story


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

def validate_area(answer: Answer, slots: dict, ctx: Context):
    entry = place_from(answer)
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

def _page(slots: dict, ctx: Context):
    per_page = 2 if ctx.large_text else 4
    location = ctx.location if slots.get("near") == "gps" else None
    return ctx.find_institutions(
        area=slots.get("area"), service=None if slots.get("disease") else slots.get("care"),
        disease=slots.get("disease"), district=slots.get("district"), page=slots.get("page", 1),
        per_page=per_page, location=location,
    )


def choices_institution(slots: dict, ctx: Context) -> list[Choice]:
    hits, more = _page(slots, ctx)
    options = [Choice(h.code, "institution.choice_hit", {"name": h.name, "level": h.level, "km": h.distance_km})
               for h in hits]
    if more:
        options.append(Choice("more", "institution.choice_more"))
    if slots.get("near") is None:
        options.append(Choice("near", "institution.choice_near"))
    return options


def params_institution(slots: dict, ctx: Context) -> dict:
    hits, _ = _page(slots, ctx)
    entry = ctx.gazetteer.lookup(slots.get("area", ""))
    return {"area": entry.name if entry else slots.get("area"), "care": slots.get("care"),
            "disease": slots.get("disease"), "empty": not hits, "page": slots.get("page", 1)}


def validate_institution(answer: Answer, slots: dict, ctx: Context):
    value = answer.choice
    if value is None and re.search(r"更多|下一页|还有|别的", answer.text):
        value = "more"
    if value is None and re.search(r"附近|近一点|离我近", answer.text):
        value = "near"
    if value == "more":
        return Accept({"page": slots.get("page", 1) + 1})
    if value == "near":
        return Accept({"near": "gps" if ctx.location else "ask", "page": 1})
    if value is None:
        hits, _ = _page(slots, ctx)
        value = next((h.code for h in hits if answer.text and answer.text in h.name), None)
    if value is None:
        return Reject(Reply("common.please_choose"))
    return Accept({"institution": value})


FLOW = register(
    Flow(name="institution", version=1, steps=steps_from(sys.modules[__name__], "institution", TABLE),
         start=start, absorb=absorb, finish=finish),
    trigger=trigger,
)
