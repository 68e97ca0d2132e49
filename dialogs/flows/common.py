"""Pieces the flows share: building a step table by naming convention, places, relatives."""
from __future__ import annotations

from types import ModuleType

from dialogs.flow import Accept, Answer, Reject, StepSpec
from dialogs.nlu import AreaEntry
from dialogs.types import Context, DiseaseEntry, Reply


def steps_from(module: ModuleType, family: str, table) -> tuple[StepSpec, ...]:
    """Build StepSpecs from (step, slot, next) rows: ask_<slot> prompts, validate_/choices_/applies_/params_."""
    return tuple(
        StepSpec(
            name=step, slot=slot, next=next_step, prompt=f"{family}.ask_{slot}",
            validate=getattr(module, f"validate_{slot}"),
            choices=getattr(module, f"choices_{slot}", None),
            applies=getattr(module, f"applies_{slot}", None),
            params=getattr(module, f"params_{slot}", None),
        )
        for step, slot, next_step in table
    )


from dialogs.memory import member_for  # noqa: E402  (one home, shared with the conversation memory)


def place_from(answer: Answer, ctx: Context) -> AreaEntry | Reject:
    """Return the co-ordination area an answer names, or a Reject that says what is missing."""
    ex = answer.extraction
    entry = ex.treatment_area or next(iter(ex.unassigned_areas), None) or ex.insured_area
    if entry is None:
        return Reject(Reply("filing.unknown_area", {"text": answer.text[:20]}))
    if not entry.pool_code:
        # Most provinces pool by city: a province alone does not say where.
        return Reject(Reply("filing.which_city", {"province": ctx.gazetteer.display_name(entry.code, ctx.lang)}))
    return entry


def match_disease(text: str, diseases: tuple[DiseaseEntry, ...]) -> str | None:
    """Return the disease a message names by its name or a common word for it (longest word wins)."""
    lowered = text.lower()
    best = None
    for disease in diseases:
        for word in (disease.name, *disease.synonyms):
            if word and word.lower() in lowered and (best is None or len(word) > best[1]):
                best = (disease.code, len(word))
    return best[0] if best else None


def disease_answer(answer: Answer, ctx: Context, family: str):
    """Accept the disease an answer names, or ask again with examples (other answers are kept)."""
    disease = match_disease(answer.text, ctx.diseases)
    if disease is None:
        return Reject(Reply(f"{family}.unknown_disease", {"examples": [d.name for d in ctx.diseases[:5]]}))
    return Accept({"disease": disease})


__all__ = ["steps_from", "member_for", "place_from", "disease_answer", "match_disease"]
