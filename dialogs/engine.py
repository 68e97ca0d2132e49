"""The dialog engine: advance(state, user_input, context) -> Step.

Pure on purpose: it reads the stored state, the user's words and a Context the
backend supplies, and returns the new state, the replies (prompt ids) and the
effects (as data). The backend executes the effects and saves the state in the
same transaction. Flows are declarative tables (see dialogs/flows/).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from dialogs import nlu
from dialogs.types import Choice, Context, Reply, RequestCallback, SetLargeText, ShowFilings, Step

# Commands that work at every step (DOMAIN: one question at a time, never trap the person).
COMMANDS = ("back", "restart", "help", "cancel", "human", "large_text", "normal_text")
IDLE = "idle"
# A flow's absorb() may return replies under this key: things to say about what it
# could not take (e.g. a start date in the past), shown before the next question.
NOTES = "_notes"


@dataclass
class DialogState:
    """The stored conversation: flow, step, answered slots and the undo record of each turn."""

    flow: str | None = None
    flow_version: int = 0
    step: str = IDLE
    slots: dict = field(default_factory=dict)
    # One entry per applied turn: {slot: previous value or None}, so back restores exactly.
    undo: list = field(default_factory=list)
    offered: list = field(default_factory=list)  # values of the numbered choices last shown
    turns: int = 0
    large_text: bool = False

    def to_dict(self) -> dict:
        """Return a JSON-serialisable copy."""
        return {
            "flow": self.flow, "flow_version": self.flow_version, "step": self.step,
            "slots": dict(self.slots), "undo": [dict(u) for u in self.undo],
            "offered": list(self.offered), "turns": self.turns, "large_text": self.large_text,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> "DialogState":
        """Rebuild a state from to_dict() output; unknown or missing keys get defaults."""
        data = data or {}
        return cls(
            flow=data.get("flow"), flow_version=int(data.get("flow_version") or 0),
            step=str(data.get("step") or IDLE), slots=dict(data.get("slots") or {}),
            undo=[dict(u) for u in data.get("undo") or []], offered=list(data.get("offered") or []),
            turns=int(data.get("turns") or 0), large_text=bool(data.get("large_text")),
        )

    def copy(self) -> "DialogState":
        """Return a deep-enough copy for a turn to change freely."""
        return DialogState.from_dict(self.to_dict())


@dataclass(frozen=True)
class Answer:
    """What the person said at a step: raw text, the chosen option (if any) and the NLU reading."""

    text: str
    choice: str | None
    extraction: nlu.Extraction


@dataclass(frozen=True)
class Accept:
    """The answer is valid: set these slots (and optionally say something first)."""

    updates: dict
    notes: tuple[Reply, ...] = ()
    effects: tuple = ()
    end: bool = False  # the answer ends the flow (e.g. "不办了"); notes say what happens next


@dataclass(frozen=True)
class Reject:
    """The answer cannot be used: say why and ask the same step again; nothing is lost."""

    reply: Reply


@dataclass(frozen=True)
class StepSpec:
    """One row of a flow table: the slot it fills, its prompt, and the step after it."""

    name: str
    slot: str
    next: str | None
    prompt: str
    validate: Callable[[Answer, dict, Context], Accept | Reject]
    choices: Callable[[dict, Context], list[Choice]] | None = None
    applies: Callable[[dict, Context], bool] | None = None
    params: Callable[[dict, Context], dict] | None = None


@dataclass(frozen=True)
class Flow:
    """A declarative flow: steps in order, a start function and a finish function."""

    name: str
    version: int
    steps: tuple[StepSpec, ...]
    start: Callable[[nlu.Extraction, Context], dict]
    absorb: Callable[[nlu.Extraction, dict, Context], dict]
    finish: Callable[["DialogState", Context], tuple[tuple[Reply, ...], tuple]]
    precondition: Callable[[Context], Reply | None] | None = None
    first: str = ""

    def __post_init__(self):
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"flow {self.name}: duplicate step names")
        for spec in self.steps:
            if spec.next is not None and spec.next not in names:
                raise ValueError(f"flow {self.name}: step {spec.name} -> unknown step {spec.next!r}")
        object.__setattr__(self, "first", names[0])

    def step(self, name: str) -> StepSpec | None:
        """Return the step with this name."""
        return next((s for s in self.steps if s.name == name), None)

    def prompt_ids(self) -> set[str]:
        """Return every prompt id the table refers to (for the start-up check)."""
        return {s.prompt for s in self.steps}

    def current(self, slots: dict, ctx: Context) -> StepSpec | None:
        """Walk the table from the first step; return the first applicable step still unanswered."""
        seen, spec = set(), self.step(self.first)
        while spec is not None and spec.name not in seen:
            seen.add(spec.name)
            applies = spec.applies is None or spec.applies(slots, ctx)
            if applies and slots.get(spec.slot) in (None, ""):
                return spec
            spec = self.step(spec.next) if spec.next else None
        return None


_REGISTRY: dict[tuple[str, int], Flow] = {}
_CURRENT: dict[str, int] = {}
# (flow, old version) -> (new version, {old step or slot name: new name}).
MIGRATIONS: dict[tuple[str, int], tuple[int, dict[str, str]]] = {}
_TRIGGERS: list[tuple[Callable[[str, nlu.Extraction, Context], bool], str]] = []


def register(flow: Flow, *, trigger: Callable[[str, nlu.Extraction, Context], bool] | None = None,
             current: bool = True):
    """Add a flow version to the registry (flows call this when their module loads)."""
    _REGISTRY[(flow.name, flow.version)] = flow
    if current:
        _CURRENT[flow.name] = max(flow.version, _CURRENT.get(flow.name, 0))
    if trigger is not None:
        _TRIGGERS.append((trigger, flow.name))
    return flow


def registered_flows() -> list[Flow]:
    """Return every registered flow version."""
    return list(_REGISTRY.values())


def flow_for(state: DialogState) -> Flow | None:
    """Return the flow definition a state runs on, migrating or keeping its version."""
    if state.flow is None:
        return None
    if (state.flow, state.flow_version) in _REGISTRY:
        return _REGISTRY[(state.flow, state.flow_version)]
    return None


def _migrate(state: DialogState) -> DialogState:
    """Move a session onto a newer flow version when an explicit mapping exists."""
    key = (state.flow, state.flow_version)
    while key in MIGRATIONS:
        new_version, renames = MIGRATIONS[key]
        state.slots = {renames.get(k, k): v for k, v in state.slots.items()}
        state.undo = [{renames.get(k, k): v for k, v in u.items()} for u in state.undo]
        state.step = renames.get(state.step, state.step)
        state.flow_version = new_version
        key = (state.flow, new_version)
    return state


def advance(state: DialogState | dict | None, user_input: str | dict | None, ctx: Context) -> Step:
    """Apply one user turn to the state and return the new state, replies and effects."""
    state = state.copy() if isinstance(state, DialogState) else DialogState.from_dict(state)
    state.large_text = ctx.large_text or state.large_text
    text, choice_number = _read_input(user_input)
    ctx = replace(ctx, large_text=state.large_text)
    if state.flow is not None and flow_for(state) is None:
        state = _migrate(state)
        if flow_for(state) is None:
            # The definition this session started on is gone and no mapping exists:
            # start over on the current version, keeping answers whose slots still exist.
            kept = state.slots
            state = _start(state.flow, nlu.extract("", today=ctx.today, gazetteer=ctx.gazetteer), ctx, state)
            flow = flow_for(state)
            names = {s.slot for s in flow.steps} if flow else set()
            state.slots.update({k: v for k, v in kept.items() if k in names})
            return _ask(state, ctx, notes=(Reply("common.flow_updated"),))

    command = nlu.detect_command(text) if choice_number is None else None
    if command:
        return _command(command, state, ctx)

    flow = flow_for(state)
    extraction = nlu.extract(text, today=ctx.today, gazetteer=ctx.gazetteer)
    if flow is None:
        return _idle(text, extraction, state, ctx)

    spec = flow.step(state.step) or flow.current(state.slots, ctx)
    if spec is None:
        return _ask(state, ctx)
    chosen, bad_number = _resolve_choice(text, choice_number, state)
    if bad_number:
        return _ask(state, ctx, notes=(Reply("common.choose_between", {"n": len(state.offered)}),))
    answer = Answer(text=text, choice=chosen, extraction=extraction)
    before = dict(state.slots)
    # Anything else the person said is kept too, but only for slots still empty,
    # so a passing mention never overwrites an answer given earlier.
    absorbed = flow.absorb(extraction, state.slots, ctx)
    said = tuple(absorbed.pop(NOTES, ()))
    side = {k: v for k, v in absorbed.items() if k != spec.slot and state.slots.get(k) in (None, "")}
    outcome = spec.validate(answer, {**state.slots, **side}, ctx)
    if isinstance(outcome, Reject):
        if side:
            _apply(state, side, before)
        return _ask(state, ctx, notes=_merge(said, (outcome.reply,)))
    if outcome.end:
        ended = DialogState(large_text=state.large_text, turns=state.turns + 1)
        return Step(ended, outcome.notes, outcome.effects)
    _apply(state, {**side, **outcome.updates}, before)
    return _ask(state, ctx, notes=_merge(said, tuple(outcome.notes)), effects=outcome.effects)


def _merge(said: tuple, more: tuple) -> tuple:
    """Join notes, saying nothing twice (the step's own check may repeat what absorb noticed)."""
    again = {r.prompt for r in more}
    return tuple(r for r in said if r.prompt not in again) + more


def _read_input(user_input) -> tuple[str, int | None]:
    if isinstance(user_input, dict):
        if user_input.get("choice") is not None:
            try:
                return str(user_input["choice"]), int(user_input["choice"])
            except (TypeError, ValueError):
                return str(user_input["choice"]), None
        return str(user_input.get("text") or ""), None
    return str(user_input or ""), None


def _resolve_choice(text: str, number: int | None, state: DialogState) -> tuple[str | None, bool]:
    """Map "2" / "第二个" to the value of the offered choice; flag a number out of range."""
    if not state.offered:
        return None, False
    if number is None:
        number = nlu.parse_choice(text)
        if number is None:
            return None, False
    if 1 <= number <= len(state.offered):
        return state.offered[number - 1], False
    return None, True


def _apply(state: DialogState, updates: dict, before: dict) -> None:
    changed = {k: before.get(k) for k, v in updates.items() if before.get(k) != v}
    state.slots.update(updates)
    if changed:
        state.undo.append(changed)
    state.turns += 1


def _start(name: str, extraction: nlu.Extraction, ctx: Context, state: DialogState) -> DialogState:
    flow = _REGISTRY[(name, _CURRENT[name])]
    fresh = DialogState(flow=name, flow_version=flow.version, large_text=state.large_text, turns=state.turns + 1)
    fresh.slots = flow.start(extraction, ctx)
    # What the first message filled (beyond the profile's prefill) is one turn, so
    # "back" right after it returns to the prefilled start.
    base = flow.start(nlu.extract("", today=ctx.today, gazetteer=ctx.gazetteer), ctx)
    said = {k: base.get(k) for k, v in fresh.slots.items() if k != NOTES and base.get(k) != v}
    if said:
        fresh.undo.append(said)
    return fresh


def _idle(text: str, extraction: nlu.Extraction, state: DialogState, ctx: Context) -> Step:
    chosen, _ = _resolve_choice(text, None, state) if state.offered else (None, False)
    name = chosen if chosen in _CURRENT else next((n for t, n in _TRIGGERS if t(text, extraction, ctx)), None)
    state.turns += 1
    if chosen == "my_filings":
        state.offered = []
        return Step(state, (), (ShowFilings(),))
    if name is not None:
        flow = _REGISTRY[(name, _CURRENT[name])]
        blocked = flow.precondition(ctx) if flow.precondition else None
        if blocked is not None:
            state.offered = []
            return Step(state, (blocked,))
        started = _start(name, extraction, ctx, state)
        said = tuple(started.slots.pop(NOTES, ()))
        return _ask(started, ctx, notes=(Reply(f"{name}.intro"),) + said)
    return _idle_menu(state, ())


def _idle_menu(state: DialogState, notes: tuple, effects: tuple = ()) -> Step:
    menu = _menu()
    state.offered = [c.value for c in menu.choices]
    return Step(state, tuple(notes) + (menu,), tuple(effects))


def _menu() -> Reply:
    return Reply("common.welcome", choices=(Choice("filing", "common.choice_filing"),
                                            Choice("institution", "common.choice_institution"),
                                            Choice("my_filings", "common.choice_my_filings"),
                                            Choice("settlement", "common.choice_settlement")))


def _ask(state: DialogState, ctx: Context, notes: tuple = (), effects: tuple = ()) -> Step:
    """Move to the first unanswered step (or finish) and ask its question."""
    flow = flow_for(state)
    if flow is None:
        state.step, state.offered = IDLE, []
        return Step(state, tuple(notes), tuple(effects))
    spec = flow.current(state.slots, ctx)
    if spec is None:
        replies, finish_effects = flow.finish(state, ctx)
        return Step(state, tuple(notes) + replies, tuple(effects) + finish_effects)
    state.step = spec.name
    choices = tuple(spec.choices(state.slots, ctx)) if spec.choices else ()
    if ctx.large_text:
        # Elder mode: never more than four numbered choices (MIIT guideline, EXPERIENCE.md).
        choices = choices[:4]
    state.offered = [c.value for c in choices]
    params = spec.params(state.slots, ctx) if spec.params else {}
    return Step(state, tuple(notes) + (Reply(spec.prompt, params, choices),), tuple(effects))


def _command(command: str, state: DialogState, ctx: Context) -> Step:
    flow = flow_for(state)
    if command in ("large_text", "normal_text"):
        state.large_text = command == "large_text"
        step = _ask(state, replace(ctx, large_text=state.large_text),
                    notes=(Reply(f"common.{command}_on"),), effects=(SetLargeText(state.large_text),))
        return step if flow else _idle_menu(step.state, step.replies, step.effects)
    if flow is None:
        if command == "human":
            return _idle_menu(state, (Reply("common.human_recorded"),), (RequestCallback("none", IDLE),))
        if command == "help":
            return _idle_menu(state, (Reply("common.help_idle"),))
        return _idle_menu(state, ())
    if command == "cancel":
        ended = DialogState(large_text=state.large_text, turns=state.turns + 1)
        return Step(ended, (Reply(f"{flow.name}.cancelled"),))
    if command == "restart":
        restarted = _start(flow.name, nlu.extract("", today=ctx.today, gazetteer=ctx.gazetteer), ctx, state)
        return _ask(restarted, ctx, notes=(Reply("common.restarted"),))
    if command == "back":
        if not state.undo:
            return _ask(state, ctx, notes=(Reply("common.at_first_step"),))
        previous = state.undo.pop()
        for slot, value in previous.items():
            if value in (None, ""):
                state.slots.pop(slot, None)
            else:
                state.slots[slot] = value
        state.turns += 1
        return _ask(state, ctx, notes=(Reply("common.went_back"),))
    if command == "help":
        return _ask(state, ctx, notes=(Reply(f"{flow.name}.help_{state.step}"),))
    # human: record the request and keep going where the person is.
    return _ask(state, ctx, notes=(Reply("common.human_recorded"),), effects=(RequestCallback(flow.name, state.step),))


def check_prompts(available: Callable[[str], bool]) -> list[str]:
    """Return the prompt ids used by registered flows that the prompt files do not define."""
    missing = []
    for flow in registered_flows():
        wanted = flow.prompt_ids() | {f"{flow.name}.intro", f"{flow.name}.cancelled"}
        wanted |= {f"{flow.name}.help_{s.name}" for s in flow.steps}
        missing += sorted(p for p in wanted if not available(p))
    return missing


# Register the flows once the engine is defined (they import the names above).
from dialogs import flows as _flows  # noqa: E402,F401
