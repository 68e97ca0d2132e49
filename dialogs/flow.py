"""The vocabulary of flows: the stored state, the answers a step takes, steps, flows and their registry.

Flows (dialogs/flows/) and the engine (dialogs/engine.py) both import this module; it imports neither,
so the flows never import the engine that runs them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dialogs import nlu

from dialogs.types import Choice, Context, Reply

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
    # What the person said anywhere in this session (dialogs/memory.py): every later flow starts from it.
    memory: dict = field(default_factory=dict)
    # The number the last message picked, if it was a bare number (a second one at once may be a double send).
    last_number: int | None = None

    def to_dict(self) -> dict:
        """Return a JSON-serialisable copy."""
        return {
            "flow": self.flow, "flow_version": self.flow_version, "step": self.step,
            "slots": dict(self.slots), "undo": [dict(u) for u in self.undo],
            "offered": list(self.offered), "turns": self.turns, "large_text": self.large_text,
            "memory": dict(self.memory), "last_number": self.last_number,
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
            memory=dict(data.get("memory") or {}),
            last_number=data["last_number"] if isinstance(data.get("last_number"), int) else None,
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
            # An answered step is passed without asking whether it applies (that may read the database).
            if slots.get(spec.slot) in (None, "") and (spec.applies is None or spec.applies(slots, ctx)):
                return spec
            spec = self.step(spec.next) if spec.next else None
        return None


_REGISTRY: dict[tuple[str, int], Flow] = {}
_CURRENT: dict[str, int] = {}
# (flow, old version) -> (new version, {old step or slot name: new name}).
MIGRATIONS: dict[tuple[str, int], tuple[int, dict[str, str]]] = {}


def register(flow: Flow, *, current: bool = True):
    """Add a flow version to the registry (flows call this when their module loads)."""
    _REGISTRY[(flow.name, flow.version)] = flow
    if current:
        _CURRENT[flow.name] = max(flow.version, _CURRENT.get(flow.name, 0))
    return flow


def current(name: str) -> Flow | None:
    """Return the current version of a flow by name (None for an unknown name)."""
    return _REGISTRY.get((name, _CURRENT.get(name, 0)))


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


def check_prompts(available: Callable[[str], bool]) -> list[str]:
    """Return the prompt ids used by registered flows that the prompt files do not define."""
    missing = []
    for flow in registered_flows():
        wanted = flow.prompt_ids() | {f"{flow.name}.intro", f"{flow.name}.cancelled"}
        wanted |= {f"{flow.name}.help_{s.name}" for s in flow.steps}
        missing += sorted(p for p in wanted if not available(p))
    return missing
