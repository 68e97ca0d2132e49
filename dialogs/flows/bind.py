"""The bind flow (实名绑定): name, insured area, ID number; then the same service as the API's bind.

A person whose WeChat is not yet linked to an insured person binds here, in the conversation, and
what they already said (for whom, where) stays in memory for the flow they asked for. The ID number
is asked last and goes straight into the BindIdentity effect: it is never kept in the session.
The state diagram is in bind.mmd beside this file.
"""
from __future__ import annotations

import re
import sys

from dialogs import nlu
from dialogs.flow import Accept, Answer, Flow, Reject, register
from dialogs.flows.common import place_from, steps_from
from dialogs.types import BindIdentity, Choice, Context, Reply

TABLE = (
    ("name", "name", "insured_area"),
    ("insured_area", "insured_area", "id_number"),
    ("id_number", "id_number", None),
)
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,10}$|^[a-z][a-z .'-]{1,40}$")
_NAME_CUE = re.compile(r"^(?:我叫|我是|名字是|姓名是|叫|名字叫|姓名|名字|my name is|i am|i'm)\s*[:：]?\s*")
_ID_SHAPE = re.compile(r"[0-9０-９]{6}[\s-]*[0-9０-９]{8}[\s-]*[0-9０-９]{3}[0-9０-９xXｘＸ]")


def start(extraction: nlu.Extraction, ctx: Context) -> dict:
    """Start with the insured area the person already named, if any."""
    area = extraction.insured_area
    return {"insured_area": area.pool_code or area.code} if area is not None and (area.pool_code or
                                                                                   area.level == "province") else {}


def absorb(extraction: nlu.Extraction, slots: dict, ctx: Context) -> dict:
    """Nothing is taken in passing: each answer belongs to its own question."""
    return {}


def finish(state, ctx: Context):
    """Bind through the backend; the ID number lives only in the effect."""
    slots = state.slots
    effect = BindIdentity(slots["name"], slots["id_number"], slots["insured_area"])
    after = state.memory.pop("after_bind", None)
    state.flow, state.flow_version, state.step, state.undo = None, 0, "idle", []
    state.slots = {}
    state.offered = [after] if after else []
    return (), (effect,)


def precondition(ctx: Context) -> Reply | None:
    """Someone already bound has nothing to bind."""
    return Reply("bind.already_bound") if ctx.bound else None


_CLAUSES = re.compile(r"[\s,，。.!！?？:：;；、]+")
# Words a Chinese name does not hold: a clause with one is talk around the name, not the name.
_NOT_IN_A_NAME = re.compile(r"[我你他她的吧了吗呢啊嗯哦呃额]|不想|不知道|不告诉|不说")


def validate_name(answer: Answer, slots: dict, ctx: Context):
    name = _NAME_CUE.sub("", nlu.normalize(answer.text).strip()).strip(" ，,。.")
    if not _NAME.match(name) or (not name.isascii() and _NOT_IN_A_NAME.search(name)):
        # "fine. 林凯文", "我的名字？陈志远", "好的 王秀英": the name said after a word of talk.
        clauses = [_NAME_CUE.sub("", c) for c in _CLAUSES.split(nlu.normalize(answer.text)) if c]
        named = [c for c in clauses if re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", c) and not _NOT_IN_A_NAME.search(c)]
        if len(named) != 1:
            return Reject(Reply("bind.bad_name"))
        name = named[0]
    return Accept({"name": name if not name.isascii() else answer.text.strip()[-len(name):]})


def validate_insured_area(answer: Answer, slots: dict, ctx: Context):
    entry = place_from(answer, ctx)
    if isinstance(entry, Reject):
        return entry
    return Accept({"insured_area": entry.pool_code})


def validate_id_number(answer: Answer, slots: dict, ctx: Context):
    found = _ID_SHAPE.search(answer.text or "")
    raw = found[0] if found else (answer.text or "").strip()
    reason = ctx.check_id_number(raw)
    if reason is not None:
        # The number is never repeated back: the reply names only what is wrong with it.
        return Reject(Reply("bind.bad_id_number", {"reason": reason}))
    return Accept({"id_number": re.sub(r"[\s-]", "", nlu.normalize(raw)).upper()})


def choices_name(slots: dict, ctx: Context) -> list[Choice]:
    return []


FLOW = register(
    Flow(name="bind", version=1, steps=steps_from(sys.modules[__name__], "bind", TABLE),
         start=start, absorb=absorb, finish=finish, precondition=precondition),
)
