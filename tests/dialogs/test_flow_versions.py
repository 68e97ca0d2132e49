"""Flow definitions change while sessions are stored: versions, migrations and the start-up checks.

A tiny two-question flow ("tiny": which city, which day) stands in for a real one so that
each test can register versions of it; the registry is restored after every test.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from dialogs import engine, nlu
from dialogs import flow as flow_module
from dialogs.engine import Accept, DialogState, Flow, StepSpec
from dialogs.flows import filing
from dialogs.types import Reply
from tests.dialogs.support import Chat, context


@dataclass(frozen=True)
class Finished:
    """The effect the tiny flow ends with: which version finished it, and its answers."""

    version: int
    slots: dict


def _take(slot: str):
    return lambda answer, slots, ctx: Accept({slot: answer.text})


def tiny(version: int, *names: str) -> Flow:
    """Return a flow asking one free-text question per name, in order."""
    steps = tuple(StepSpec(name=name, slot=name, next=following, prompt=f"tiny.ask_{name}", validate=_take(name))
                  for name, following in zip(names, (*names[1:], None)))

    def finish(state, ctx):
        effect = Finished(version, dict(state.slots))
        state.flow, state.flow_version, state.step, state.slots, state.undo = None, 0, "submitted", {}, []
        return (Reply("tiny.done"),), (effect,)

    return Flow(name="tiny", version=version, steps=steps, start=lambda ex, ctx: {},
                absorb=lambda ex, slots, ctx: {}, finish=finish)


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """Give each test its own copy of the registry, so temporary flows never leak."""
    monkeypatch.setattr(flow_module, "_REGISTRY", dict(flow_module._REGISTRY))
    monkeypatch.setattr(flow_module, "_CURRENT", dict(flow_module._CURRENT))
    monkeypatch.setattr(flow_module, "MIGRATIONS", dict(flow_module.MIGRATIONS))


def saved_on_v1(**slots) -> DialogState:
    """Return a session stored mid-way through tiny v1: the city answered, the day asked."""
    return DialogState(flow="tiny", flow_version=1, step="when", slots={"city": "苏州", **slots},
                       undo=[{"city": None}], turns=2)


def test_a_session_saved_on_a_removed_version_is_moved_by_its_explicit_mapping_and_finishes():
    engine.register(tiny(2, "town", "date"), current=True)
    flow_module.MIGRATIONS[("tiny", 1)] = (2, {"city": "town", "when": "date"})

    step = engine.advance(saved_on_v1(), "明天", context())

    assert step.effects == (Finished(2, {"town": "苏州", "date": "明天"}),)
    assert [r.prompt for r in step.replies] == ["tiny.done"]


def test_a_migrated_session_can_still_go_back_over_its_renamed_answers():
    engine.register(tiny(2, "town", "date"), current=True)
    flow_module.MIGRATIONS[("tiny", 1)] = (2, {"city": "town", "when": "date"})

    step = engine.advance(saved_on_v1(), "返回", context())

    assert (step.state.flow_version, step.state.step, step.state.slots) == (2, "town", {})
    assert [r.prompt for r in step.replies] == ["common.went_back", "tiny.ask_town"]


def test_migrations_chain_through_every_intermediate_version():
    engine.register(tiny(3, "place", "day"), current=True)
    flow_module.MIGRATIONS[("tiny", 1)] = (2, {"city": "town", "when": "date"})
    flow_module.MIGRATIONS[("tiny", 2)] = (3, {"town": "place", "date": "day"})

    step = engine.advance(saved_on_v1(), "明天", context())

    assert step.effects == (Finished(3, {"place": "苏州", "day": "明天"}),)


def test_a_session_on_an_old_version_still_registered_finishes_on_its_own_version():
    engine.register(tiny(1, "city", "when"), current=True)
    engine.register(tiny(2, "town", "date"), current=True)
    old = engine.advance(saved_on_v1(), "明天", context())
    ctx = context()
    new = engine._ask(engine._start("tiny", nlu.extract("", today=ctx.today, gazetteer=ctx.gazetteer), ctx,
                                    DialogState()), ctx)

    assert old.effects == (Finished(1, {"city": "苏州", "when": "明天"}),)
    assert (new.state.flow_version, new.state.step) == (2, "town")


def test_a_session_on_a_removed_version_without_a_mapping_restarts_on_the_current_one_keeping_known_answers():
    engine.register(tiny(2, "city", "date"), current=True)

    step = engine.advance(saved_on_v1(when="下周"), "明天", context())

    assert (step.state.flow_version, step.state.step, step.state.slots) == (2, "date", {"city": "苏州"})
    assert [r.prompt for r in step.replies] == ["common.flow_updated", "tiny.ask_date"]
    assert step.effects == ()


def test_a_state_round_trips_through_json_unchanged():
    chat = Chat(context(large_text=True))
    for said in ("公司派我去苏州工作一年", "12月1日", "1"):
        chat.say(said)
    state = chat.state
    assert state.undo and state.offered and state.large_text  # a state with something in every field

    stored = json.loads(json.dumps(state.to_dict(), ensure_ascii=False))

    assert DialogState.from_dict(stored) == state
    assert DialogState.from_dict(stored).to_dict() == state.to_dict()


def test_the_engine_answers_the_same_from_a_stored_dict_as_from_the_state():
    chat = Chat()
    for said in ("我要办备案", "苏州"):
        chat.say(said)
    stored = json.loads(json.dumps(chat.state.to_dict()))

    assert engine.advance(stored, {"choice": 1}, chat.ctx) == engine.advance(chat.state, {"choice": 1}, chat.ctx)


# --- the start-up checks -------------------------------------------------------------

def test_a_flow_table_naming_an_unknown_next_step_is_refused_when_built():
    with pytest.raises(ValueError, match="unknown step 'nowhere'"):
        Flow(name="broken", version=1, steps=(
            StepSpec(name="city", slot="city", next="nowhere", prompt="broken.ask_city", validate=_take("city")),),
            start=lambda ex, ctx: {}, absorb=lambda ex, slots, ctx: {}, finish=lambda state, ctx: ((), ()))


def test_a_flow_table_with_two_steps_of_the_same_name_is_refused_when_built():
    with pytest.raises(ValueError, match="duplicate"):
        tiny(1, "city", "city")


def test_the_start_up_check_lists_every_filing_prompt_when_none_is_defined():
    missing = set(engine.check_prompts(lambda prompt_id: False))

    expected = {f"filing.ask_{slot}" for _step, slot, _next in filing.TABLE}
    expected |= {f"filing.help_{step}" for step, _slot, _next in filing.TABLE}
    expected |= {"filing.intro", "filing.cancelled"}
    assert expected <= missing


def test_the_start_up_check_passes_with_the_shipped_prompts():
    from dialogs import prompts

    assert engine.check_prompts(lambda p: all(
        prompts.has_prompt(p, lang) and prompts.has_prompt(p, lang, large=True) for lang in prompts.LANGUAGES)) == []


def test_the_state_diagram_beside_the_flow_names_every_step_of_its_table():
    from pathlib import Path

    diagram = (Path(filing.__file__).with_suffix(".mmd")).read_text(encoding="utf-8")
    declared = {line.split(" as ")[-1].strip() for line in diagram.splitlines() if line.strip().startswith("state ")}
    assert {step for step, _slot, _next in filing.TABLE} <= declared
