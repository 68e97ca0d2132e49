"""The dialog engine: advance(state, user_input, context) -> Step.

Pure on purpose: it reads the stored state, the user's words and a Context the
backend supplies, and returns the new state, the replies (prompt ids) and the
effects (as data). The backend executes the effects and saves the state in the
same transaction. Flows are declarative tables (see dialogs/flows/).
"""
from __future__ import annotations

import re
from dataclasses import replace
from dialogs import flows as _flows  # noqa: F401  (registers every flow, in trigger order)
from dialogs import intents, memory, nlu
from dialogs.flow import (COMMANDS, IDLE, MIGRATIONS, NOTES, Accept, Answer, DialogState, Flow,  # noqa: F401
                          Reject, StepSpec, _migrate, check_prompts, current, flow_for, register,
                          registered_flows)
from dialogs.flows import filing
from dialogs.masking import mask_phone
from dialogs.types import Choice, Context, Reply, RequestCallback, SetLanguage, SetLargeText, ShowFilings, Step

def advance(state: DialogState | dict | None, user_input: str | dict | None, ctx: Context) -> Step:
    """Apply one user turn to the state and return the new state, replies and effects."""
    step = _advance(state, user_input, ctx)
    if step.state is not None:
        # Whatever path the turn took (a new flow starts from a fresh state), the next turn knows what this
        # message picked, if it was a bare number: the same number again at once may be one tap sent twice.
        step.state.last_number = picked_number(user_input)
    return step


def picked_number(user_input) -> int | None:
    """The number a message picks: a tapped choice, or a message that is only a number ("2", "第二个")."""
    text, choice_number = read_input(user_input)
    return choice_number if choice_number is not None else nlu.parse_choice(text)


def _advance(state: DialogState | dict | None, user_input: str | dict | None, ctx: Context) -> Step:
    state = state.copy() if isinstance(state, DialogState) else DialogState.from_dict(state)
    state.large_text = ctx.large_text or state.large_text
    text, choice_number = read_input(user_input)
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

    flow = flow_for(state)
    spec = (flow.step(state.step) or flow.current(state.slots, ctx)) if flow else None
    if choice_number is None:
        understood = intents.understand(text, today=ctx.today, gazetteer=ctx.gazetteer,
                                        step=_step_info(flow, spec, state, ctx), diseases=ctx.diseases,
                                        in_form=bool(flow and flow.name in FORMS),
                                        institutions=ctx.institution_names, focus=lambda: focus_areas(state, ctx))
    else:
        # A tapped button: the choice it stands for, wherever it was offered (a step, the menu, next steps).
        tapped = state.offered[choice_number - 1] if 1 <= choice_number <= len(state.offered) else None
        understood = intents.Understanding("answer", {"option": tapped} if tapped else {}, tapped, None)
    memory.remember(state.memory, understood, ctx)
    intent = understood.intent
    waiting = state.memory.pop("awaiting_phone", None)
    phone = (understood.slots.get("phone") or intents.phone_of(text)) if waiting is not None else None
    if waiting is not None and phone:
        # The number asked for after "人工": now the call-back can be promised truthfully.
        note = Reply("common.human_recorded", {"phone": mask_phone(phone)})
        effect = RequestCallback(waiting["flow"], waiting["step"], phone)
        return _ask(state, ctx, notes=(note,), effects=(effect,)) if flow else _idle_menu(state, (note,), (effect,))
    if intent in _COMMAND_OF:
        return _command(_COMMAND_OF[intent], state, ctx)
    if intent == "language":
        lang = understood.slots["lang"]
        state.memory["lang"] = lang
        rest = intents.without_language_words(text)
        heard = intents.understand(
            rest, today=ctx.today, gazetteer=ctx.gazetteer, step=_step_info(flow, spec, state, ctx),
            diseases=ctx.diseases, in_form=bool(flow and flow.name in FORMS), institutions=ctx.institution_names,
            focus=lambda: focus_areas(state, ctx)) if len(rest) >= 4 else None
        # "switch to Chinese please": the words left are no request ("switch" is not a correction).
        rest_is_request = heard is not None and heard.intent not in ("unclear", "chitchat") and not (
            heard.intent == "correct" and not memory.correction_values(heard.slots, heard.slots.get("field"))[0])
        if rest_is_request:
            # "I want to register for my mother, English please": switch, then do what was asked.
            switched = advance(state, rest, replace(ctx, lang=lang))
            note = Reply("common.language_switched", {"lang": lang})
            return Step(switched.state, (note,) + switched.replies, (SetLanguage(lang),) + switched.effects)
        return _switch_language(lang, state, ctx)
    extraction = understood.extraction or nlu.extract(text, today=ctx.today, gazetteer=ctx.gazetteer)
    if flow is None:
        return _idle(text, understood, extraction, state, ctx)
    if spec is None:
        return _ask(state, ctx)
    if intent == "correct" and flow.name == "filing" and state.step != "existing_action":
        return _correct(understood, text, extraction, state, ctx)
    if intent in _INTERJECTIONS:
        # A question or a look-up in the middle: answered, and the step waits with nothing lost. When the
        # same message also answers the step ("从今天开始就行。对了，我算哪一类？"), the answer is taken too.
        if intent != "chitchat" and _also_answers(understood, spec, state, ctx):
            taken = _answer(text, None, understood.option, extraction, flow, spec, state, ctx)
            extra = _interject(understood, taken.state, ctx, ask=False)
            return Step(taken.state, extra.replies + taken.replies, extra.effects + taken.effects)
        return _interject(understood, state, ctx)
    if intent in intents.TOPICS and intent != _TOPIC_OF_FLOW.get(flow.name):
        if flow.name == "bind" and not ctx.bound:
            # Everything else needs the identity first: note the request and finish binding.
            name = _FLOW_OF_TOPIC.get(intent)
            if name:
                state.memory["after_bind"] = _MENU_VALUE_OF.get(name, name)
            return _ask(state, ctx, notes=(Reply("bind.first"),))
        if _also_answers(understood, spec, state, ctx):
            # "电话就用这个。对了，住院两万能报多少": take the answer, then turn to the question.
            taken = _answer(text, None, understood.option, extraction, flow, spec, state, ctx)
            if taken.state.flow is None or taken.effects:
                return taken
            state = taken.state
        unsent = flow.name == "filing" and state.step == "confirmed" and _SUBMIT_WORD.search(text or "")
        switched = _switch(understood, extraction, state, ctx)
        if unsent:
            # "没问题 提交 顺便问下…": a submit said with a question is never taken; say so before the answer.
            return Step(switched.state, (Reply("filing.not_sent_yet"),) + switched.replies, switched.effects)
        return switched
    if intent == "unclear" and not _WORDS.search(text):
        return _ask(state, ctx, notes=(Reply("common.not_understood"),))
    place = _place_alone(text, extraction) if flow.name == "filing" and choice_number is None and \
        spec.slot not in ("treatment_area", "insured_area") and intent in ("unclear", "answer") else None
    if place is not None and place.code != state.slots.get("treatment_area"):
        # "深圳" at "长期还是临时?": no answer to the question, but the city said again, or another one: it changes
        # the treatment area (checked as if answered there), then the question comes again.
        return _correct(intents.Understanding("correct", {"area": place.code, "field": "treatment_area"},
                                              extraction=extraction), text, extraction, state, ctx)
    taken = _answer(text, choice_number, understood.option if intent == "answer" else None, extraction, flow, spec,
                    state, ctx)
    if choice_number is None and flow.name in FORMS and taken.state.flow == flow.name and not taken.effects \
            and len(text) > 6 and intents.corrects_too(text):
        # "那用证明材料吧。对了 不去杭州了 改南京": the answer is taken, then the correction is applied too.
        now = next((x for x in flow.steps if x.name == taken.state.step), spec)
        again = intents.understand(text, today=ctx.today, gazetteer=ctx.gazetteer,
                                   step=_step_info(flow, now, taken.state, ctx), diseases=ctx.diseases, in_form=True)
        if again.intent == "correct":
            fixed = _correct(again, text, extraction, taken.state, ctx)
            asked = taken.replies[:-1] if taken.replies else ()
            return Step(fixed.state, _merge(asked, fixed.replies), fixed.effects)
    return taken


_PLACE_FILLER = re.compile(r"[去到是在就吧啊呀哈的了嗯哦噢，。,.!！?？、\s]|市|那边|那儿|那里|看病|就医")


def _place_alone(text: str, extraction):
    """Return the one place a message names when it says nothing else ("深圳", "是深圳", "去深圳吧"), else None."""
    areas = ([extraction.treatment_area] if extraction.treatment_area else []) + list(extraction.unassigned_areas)
    if len(areas) != 1 or extraction.insured_area is not None:
        return None
    rest = (text or "").replace(areas[0].name, "").replace(areas[0].short_name, "")
    return None if _PLACE_FILLER.sub("", rest) else areas[0]


def _also_answers(understood: intents.Understanding, spec, state: DialogState, ctx: Context) -> bool:
    """Return whether a message that asks something also gives what the step asks.

    Never an irreversible choice (submit, sign, cancel): those are taken only from a message that is
    nothing but that answer.
    """
    slots = understood.slots
    text = understood.extraction.text if understood.extraction is not None else ""
    if text and not any(not intents._is_question(c) for c in _CLAUSE.split(text) if c.strip()):
        # "选今天有啥说道没": every part of the message is a question, so nothing in it is an answer.
        return False
    if understood.option is not None and understood.option in state.offered:
        choices = spec.choices(state.slots, ctx) if spec.choices else ()
        return not any(c.value == understood.option and c.irreversible for c in choices)
    wanted = {"start_date": ("start_date",), "end_date": ("end_date",), "phone": ("phone",),
              "treatment_area": ("treatment_area", "area"), "insured_area": ("insured_area", "area"),
              "category": ("category",), "amount": ("amount",), "disease": ("disease",), "area": ("area",)}
    return any(slots.get(k) for k in wanted.get(spec.slot, ()))


def _answer(text: str, choice_number, option, extraction, flow, spec, state: DialogState, ctx: Context) -> Step:
    """Give the step its answer: validate it, keep what else was said, and ask what comes next."""
    if choice_number is not None or (option is None and nlu.parse_choice(text) is not None):
        chosen, bad_number = _resolve_choice(text, choice_number, state)
    else:
        chosen, bad_number = option, False
        if chosen is not None and chosen not in state.offered:
            chosen = None
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
        # What else was said is kept, except what would settle the question just asked: an answer not
        # understood must never move past its own question ("my employer sends me but it's temporary"
        # is no posting category chosen in silence).
        side = {k: v for k, v in side.items() if _keeps_step(flow, spec, {**state.slots, k: v}, ctx)}
        if side:
            _apply(state, side, before)
        if not state.offered and _WORD_SLOT.search(spec.slot or "") and (
                choice_number is not None or _BARE_NUMBER.fullmatch(text or "")):
            # "1" where a city or a date is asked (a menu tapped from habit): say there is nothing to number.
            return _ask(state, ctx, notes=_merge(said, (Reply("common.type_it"),)))
        return _ask(state, ctx, notes=_merge(said, (outcome.reply,)))
    if outcome.end:
        ended = DialogState(large_text=state.large_text, turns=state.turns + 1, memory=state.memory)
        return Step(ended, outcome.notes, outcome.effects)
    _apply(state, {**side, **outcome.updates}, before)
    return _ask(state, ctx, notes=_merge(said, tuple(outcome.notes)), effects=outcome.effects)


def _keeps_step(flow, spec, slots: dict, ctx: Context) -> bool:
    """Whether the step being asked is still the one to ask with these slots."""
    now = flow.current(slots, ctx)
    return now is not None and now.name == spec.name


_CLAUSE = re.compile(r"[，。,.!！?？；;…]+|\s{1,}")
_SUBMIT_WORD = re.compile(r"提交|确认|交了吧|办了吧|submit|confirm|send it", re.IGNORECASE)
_WORD_SLOT = re.compile(r"area|date|disease|name")  # steps answered in words, where a bare number means nothing
_BARE_NUMBER = re.compile(r"\s*(?:\d{1,2}|[一二三四五六七八九十]|第[一二三四五六七八九十\d]+(?:个|项|条)?)\s*[.。．、]?\s*")


# The forms, where "不对，是南京" corrects an answer already given.
FORMS = ("filing", "cancel", "change")
_COMMAND_OF = {"back": "back", "restart": "restart", "help": "help", "stop": "cancel", "human": "human",
               "large_text": "large_text", "normal_text": "normal_text"}
_INTERJECTIONS = ("explain", "my_filings", "who_filed", "chitchat")
# Which topic a flow is already about: asking it again inside the flow is an answer, not a switch.
_TOPIC_OF_FLOW = {"filing": "file", "cancel": "cancel_filing", "change": "change_filing",
                  "institution": "find_institution", "settlement": "will_settle", "chronic": "chronic_check",
                  "bind": "bind_identity"}
_FLOW_OF_TOPIC = {"file": "filing", "cancel_filing": "cancel", "change_filing": "change",
                  "find_institution": "institution", "will_settle": "settlement", "estimate": "settlement",
                  "chronic_check": "chronic", "bind_identity": "bind"}
_WORDS = re.compile(r"[^\W_]", re.UNICODE)


def focus_areas(state: DialogState, ctx: Context) -> tuple[str, ...]:
    """The areas being discussed: the one the current question is about, then the person's filings'."""
    slots = state.slots
    return tuple(dict.fromkeys(filter(None, (slots.get("area"), slots.get("treatment_area"), *ctx.filing_areas()))))


def _step_info(flow, spec, state: DialogState, ctx: Context) -> intents.StepInfo:
    """Describe the step being asked (its choices as shown) for the intent layer."""
    if flow is None or spec is None:
        return intents.StepInfo("idle", _labels(_menu_choices(state), ctx))
    choices = tuple(spec.choices(state.slots, ctx)) if spec.choices else ()
    return intents.StepInfo(f"{flow.name}.{spec.name}", _labels(choices, ctx),
                            intents.step_kind(f"{flow.name}.{spec.slot}"))


def _labels(choices, ctx: Context) -> tuple[tuple[str, str], ...]:
    from dialogs.prompts import render_prompt

    return tuple((c.value, render_prompt(c.label, c.params, ctx.lang)) for c in choices)


def _menu_choices(state: DialogState) -> tuple[Choice, ...]:
    """Return the choices last offered at idle (the welcome menu or a next-step offer)."""
    offered = list(state.offered)
    return tuple(Choice(v, _NEXT_LABELS.get(v, "common.choice_filing")) for v in offered)


_NEXT_LABELS = {"filing": "common.choice_filing", "institution": "common.choice_institution",
                "my_filings": "common.choice_my_filings", "settlement": "common.choice_settlement",
                "chronic": "common.choice_chronic", "cancel": "common.choice_cancel", "change": "common.choice_change"}


def _interject(understood: intents.Understanding, state: DialogState, ctx: Context, ask: bool = True) -> Step:
    """Answer a question or a look-up said inside a flow, then ask the same step again (unless `ask` is False)."""
    def then(notes: tuple, effects: tuple = ()) -> Step:
        return _ask(state, ctx, notes=notes, effects=effects) if ask else Step(state, notes[:-1] if notes and notes[
            -1].prompt == "common.back_to_step" else notes, effects)

    if understood.intent == "explain":
        note = Reply(f"common.explain_{understood.slots.get('term', 'filing')}", memory.explain_params(state, ctx))
        return then((note, Reply("common.back_to_step")))
    if understood.intent == "chitchat":
        pause = (Reply("common.take_your_time"),) if understood.slots.get("wait") else ()
        return then(pause + (Reply("common.back_to_step"),))
    if understood.slots.get("papers") and state.flow == "filing":
        # "需要哪些材料", "证明材料怎么上传" while filing: the papers of this filing, and when and how to send them.

        return then(filing.papers_question(state.slots, ctx, state.step) + (Reply("common.back_to_step"),))
    if not ctx.bound:
        state.memory["after_bind"] = "my_filings"
        return then((Reply("bind.first"),))
    show = ShowFilings(principal=memory.principal_of(understood, ctx), who=understood.intent == "who_filed",
                       papers=bool(understood.slots.get("papers")),
                       interject=True)
    return then((Reply("common.back_to_step"),), (show,))


def _switch(understood: intents.Understanding, extraction, state: DialogState, ctx: Context) -> Step:
    """Leave the current flow for another request; what was said stays in memory for later."""
    memory.keep_flow_slots(state.memory, state.flow, state.slots)
    idle = DialogState(large_text=state.large_text, turns=state.turns, memory=state.memory)
    return _idle("", understood, extraction, idle, ctx)


def _switch_language(lang: str, state: DialogState, ctx: Context) -> Step:
    ctx = replace(ctx, lang=lang)
    notes = (Reply("common.language_switched", {"lang": lang}),)
    if flow_for(state) is not None:
        return _ask(state, ctx, notes=notes, effects=(SetLanguage(lang),))
    return _idle_menu(state, notes, (SetLanguage(lang),))


def _correct(understood: intents.Understanding, text: str, extraction, state: DialogState, ctx: Context) -> Step:
    """Apply a correction said at any step of the filing ("就医地改成南京", "日期改成下周一", "承诺书不签了")."""

    flow = flow_for(state)
    slots = understood.slots
    field_name = slots.get("field") or filing.field_named(text)
    updates, value_slot = memory.correction_values(slots, field_name)
    if not updates and intents._is_question(text):
        # "if my trip moves, can I change the date later?": a question changes nothing; say how changes work.
        note = Reply("common.explain_lock_period", memory.explain_params(state, ctx))
        return _ask(state, ctx, notes=(note, Reply("common.back_to_step")))
    if not updates:
        if field_name is None:
            return _ask(state, ctx, notes=(Reply("filing.which_field"),), effects=()) if state.step != "confirmed" \
                else _apply_and_ask(state, {"editing": True}, ctx)
        return _apply_and_ask(state, filing.cleared_for(field_name), ctx, notes=(Reply("common.ok_change"),))
    # The new value is checked by the step that asks for it, exactly as if it were answered there.
    spec = next((s for s in flow.steps if s.slot == value_slot), None)
    base = {**state.slots, **filing.cleared_for(value_slot)}
    base = {k: v for k, v in base.items() if v not in (None, "")}
    if spec is None:
        return _apply_and_ask(state, updates, ctx)
    outcome = spec.validate(Answer(text=text, choice=None, extraction=memory.as_extraction(updates, ctx, extraction)),
                            base, ctx)
    if isinstance(outcome, Reject):
        return _ask(state, ctx, notes=(outcome.reply,))
    # Say "已改" only when something changed, and say what it is now.
    changed = {k: v for k, v in outcome.updates.items() if state.slots.get(k) != v and v not in (None, "")}
    note = Reply("common.ok_change", {"field": value_slot, "value": _shown(value_slot, changed.get(value_slot), ctx)}) \
        if changed else Reply("common.already_so", {"field": value_slot})
    return _apply_and_ask(state, {**filing.cleared_for(value_slot), **outcome.updates}, ctx, notes=(note,))


def _shown(slot: str, value, ctx: Context):
    """Return a corrected value as the person reads it (a city's name, a masked phone)."""
    if value in (None, ""):
        return None
    if slot in ("treatment_area", "insured_area"):
        return ctx.gazetteer.display_name(value, ctx.lang)
    if slot == "phone":
        return mask_phone(str(value))
    return value


def _apply_and_ask(state: DialogState, updates: dict, ctx: Context, notes: tuple = ()) -> Step:
    before = dict(state.slots)
    _apply(state, updates, before)
    state.slots = {k: v for k, v in state.slots.items() if v is not None}
    return _ask(state, ctx, notes=notes)


def _merge(said: tuple, more: tuple) -> tuple:
    """Join notes, saying nothing twice (the step's own check may repeat what absorb noticed)."""
    again = {r.prompt for r in more}
    return tuple(r for r in said if r.prompt not in again) + more


def read_input(user_input) -> tuple[str, int | None]:
    """Return the message's text and the tapped choice number, if it is a tap."""
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
    flow = current(name)
    fresh = DialogState(flow=name, flow_version=flow.version, large_text=state.large_text, turns=state.turns + 1,
                        memory=state.memory)
    fresh.slots = flow.start(extraction, ctx)
    fresh.slots.update(memory.prefill(name, state.memory, fresh.slots, flow, ctx))
    # What the first message filled (beyond the profile's prefill) is one turn, so
    # "back" right after it returns to the prefilled start.
    base = flow.start(nlu.extract("", today=ctx.today, gazetteer=ctx.gazetteer), ctx)
    said = {k: base.get(k) for k, v in fresh.slots.items() if k != NOTES and base.get(k) != v}
    if said:
        fresh.undo.append(said)
    return fresh


# A follow-up to the last answer: "那…呢", "要是…呢", "换成…行不行".
_FOLLOW_UP = re.compile(r"^\s*(?:那|那么|那要是|要是|如果|换成|改成|换到|我说的是|我是说|我问的是|不是.{1,12}是)|(?:呢|咋样|怎么样|行不行|中不中)[？?。!！\s]*$")


def _idle(text: str, understood: intents.Understanding, extraction, state: DialogState, ctx: Context) -> Step:
    """Start what the person asked for; answer questions and look-ups at once."""
    state.turns += 1
    intent = understood.intent
    chosen = understood.option if understood.option in state.offered else None
    if chosen is not None:
        intent = _MENU_INTENTS.get(chosen, intent)
    home = _home_area_care(text, intent, extraction, ctx) \
        if chosen is None and understood.slots.get("principal") in (None, "self") else None
    if home is not None:
        # "回沈阳看病还能报不" from someone insured in 沈阳: care where one is insured is no cross-province care.
        return _offer_next(state, ctx, (Reply("common.home_area_care", {"area": home}),))
    if intent in ("my_filings", "who_filed") and ctx.bound:
        principal = memory.principal_of(understood, ctx)
        if principal is not None and principal.startswith("relation:"):
            state.offered = []
            return Step(state, (Reply("common.relative_not_linked", {"relation": principal.partition(":")[2]}),))
        # The list comes before the next-step offer (interject: placed before the last reply).
        show = ShowFilings(principal=principal, who=intent == "who_filed", interject=True,
                           papers=bool(understood.slots.get("papers")))
        return _offer_next(state, ctx, (), (show,))
    if intent == "explain":
        note = Reply(f"common.explain_{understood.slots.get('term', 'filing')}", memory.explain_params(state, ctx))
        if intents.asks_to_file(text) and understood.slots.get("term") not in ("filing", "need_filing"):
            # "要办那个备案 办这个要花钱不": the question is answered and the filing starts.
            started = _idle(text, intents.Understanding("file", understood.slots, None, understood.extraction),
                            extraction, state, ctx)
            return Step(started.state, (note,) + started.replies, started.effects)
        return _offer_next(state, ctx, (note,))
    if intent == "chitchat":
        if intents.thanks_or_bye(text):
            # "行，谢了", "谢谢你啊闺女": a goodbye, answered as one, with the short menu for anything else.
            return _idle_menu(state, (Reply("common.you_are_welcome"),), short=True)
        return _idle_menu(state, ())  # the welcome itself greets ("您好！我是…"): no second "您好"
    if intent in ("unclear", "file", "find_institution", "will_settle") and state.memory.get("checked") \
            and _FOLLOW_UP.search(text) and not intents.asks_to_file(text):
        # "那下礼拜一呢", "那福田区人民医院呢": the same question again, with what changed.
        intent = "will_settle"
        state.memory["follow_up"] = True
    if intent == "unclear" and intents.keeps_filing(text):
        # "等等 先别撤" after a cancellation was refused or never asked: nothing is cancelled, say so.
        return _offer_next(state, ctx, (Reply("cancel.stopped"),))
    if intent == "unclear":
        # Not understood: say so, and show the choices without the whole greeting again.
        return _idle_menu(state, (Reply("common.not_understood"),), short=True)
    if intent == "help":
        return _idle_menu(state, (Reply("common.help_idle"),))
    name = _FLOW_OF_TOPIC.get(intent) or ("bind" if intent in ("my_filings", "who_filed") else None)
    if intent in ("my_filings", "who_filed"):
        state.memory["after_bind"] = "my_filings"
    if name is None or current(name) is None:
        return _idle_menu(state, ())
    if not ctx.bound and name != "bind" and intent not in ("my_filings", "who_filed"):
        # Everything here acts for an insured person: bind first, in the conversation; what was said
        # stays in memory, and the flow asked for is offered right after.
        state.memory["after_bind"] = _MENU_VALUE_OF.get(name, name)
        name = "bind"
    elif name not in ("bind", "filing") and understood.slots.get("principal") == "relative" and \
            memory.principal_of(understood, ctx).startswith("relation:"):
        # About a relative who has not consented: say how consent works instead of acting for them.
        state.offered = []
        return Step(state, (Reply("common.relative_not_linked", {"relation": understood.slots.get("relation")
                                                                 or "other"}),))
    flow = current(name)
    blocked = flow.precondition(ctx) if flow.precondition else None
    if blocked is not None:
        state.offered = []
        return Step(state, (blocked,))
    if intent == "estimate":
        state.memory["wants_estimate"] = True
    said_now = flow.start(extraction, ctx) if name == "filing" else {}  # before memory fills the extraction in
    started = _start(name, memory.merged(state.memory, extraction, ctx), ctx, state)
    said = tuple(started.slots.pop(NOTES, ()))
    if name == "filing":
        # What was said before (an unfinished draft, an earlier message) fills the form: say so, so that a
        # city or a date is never assumed silently; naming another one at any step changes it.
        carried = memory.carried_over(said_now, started.slots, ctx)
        said += (Reply("filing.carried_over", carried),) if carried else ()
    intro = (Reply(f"{name}.intro", memory.intro_params(started.slots, ctx)),)
    first = flow.current(started.slots, ctx)
    if first is not None and first.name == "confirmed":
        # Everything was already said: the summary comes alone, so nothing pushes it out of view.
        intro = ()
    elif first is None and name in ("cancel", "change"):
        # Nothing to ask (the filing is locked): the refusal comes first, not "好的，我来帮您撤销".
        intro = ()
    return _ask(started, ctx, notes=intro + said)


_MENU_VALUE_OF = {"filing": "filing", "institution": "institution", "settlement": "settlement",
                  "chronic": "chronic", "cancel": "cancel", "change": "change"}
_MENU_INTENTS = {"filing": "file", "institution": "find_institution", "my_filings": "my_filings",
                 "settlement": "will_settle", "chronic": "chronic_check", "cancel": "cancel_filing",
                 "change": "change_filing"}


def _offer_next(state: DialogState, ctx: Context, notes: tuple, effects: tuple = ()) -> Step:
    """After an answer, offer the natural next steps as numbered choices carrying what was said."""
    choices = memory.next_steps(state.memory, ctx)
    if ctx.large_text:
        choices = choices[:4]
    state.offered = [c.value for c in choices]
    offer = (Reply("common.next_steps", {}, tuple(choices)),) if choices else ()
    return Step(state, tuple(notes) + offer, tuple(effects))


_HOME_CARE_CUE = re.compile(r"看病|就医|住院|门诊|报销|能报|报不|给报|结算|医保|治疗|复查|拿药|开药|透析|"
                            r"settle|claim|reimburs|treat|hospital|see a doctor|covered")


def _home_area_care(text: str, intent: str, extraction, ctx: Context) -> str | None:
    """The insured area's name when a question is about care there and names no other place, else None."""
    if not ctx.bound or intent not in ("file", "will_settle", "estimate", "find_institution", "unclear") \
            or extraction is None or extraction.insured_area is not None:
        return None
    insured = ctx.insured_area_of("self") if ctx.insured_area_of else None
    areas = ([extraction.treatment_area] if extraction.treatment_area else []) + list(extraction.unassigned_areas)
    if not insured or len(areas) != 1 or (areas[0].pool_code or areas[0].code) != insured:
        return None
    if not _HOME_CARE_CUE.search(text or "") or re.search(intents.FILING_WORD, text or ""):
        return None
    return ctx.gazetteer.display_name(insured, ctx.lang)


def _idle_menu(state: DialogState, notes: tuple, effects: tuple = (), short: bool = False) -> Step:
    menu = _menu()
    if short:
        menu = Reply("common.menu_short", choices=menu.choices)
    state.offered = [c.value for c in menu.choices]
    return Step(state, tuple(notes) + (menu,), tuple(effects))


def _menu() -> Reply:
    return Reply("common.welcome", choices=(Choice("filing", "common.choice_filing"),
                                            Choice("institution", "common.choice_institution"),
                                            Choice("my_filings", "common.choice_my_filings"),
                                            Choice("settlement", "common.choice_settlement")))


def ask_again(state: DialogState, ctx: Context) -> Step:
    """The question the session waits on, asked as it was (nothing applied, no note): for a stale or held-back tap.

    At no step, the short menu, so "let's carry on" is never followed by nothing.
    """
    state = state.copy()
    ctx = replace(ctx, large_text=ctx.large_text or state.large_text)
    if flow_for(state) is None:
        return _idle_menu(state, (), short=True)
    return _ask(state, ctx)


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
    if not choices:
        # "请回复下面的数字" where no numbers follow would send the person looking for them.
        notes = tuple(Reply("common.not_understood") if n.prompt == "common.please_choose" else n for n in notes)
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
            return _human(state, ctx, "none", IDLE)
        if command == "help":
            return _idle_menu(state, (Reply("common.help_idle"),))
        return _idle_menu(state, ())
    if command == "cancel":
        if flow.name == "filing":
            memory.keep_draft(state.memory, state.slots)
        ended = DialogState(large_text=state.large_text, turns=state.turns + 1, memory=state.memory)
        return Step(ended, (Reply(f"{flow.name}.cancelled"),))
    if command == "restart":
        # "重新开始" means from scratch: the unfinished draft and what was said for it are not filled in again.
        memory.forget_said(state.memory)
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
    return _human(state, ctx, flow.name, state.step)


def _human(state: DialogState, ctx: Context, flow_name: str, step: str) -> Step:
    """Record a call-back request, promising a call only when there is a number to call."""
    phone = ctx.self_phone_masked
    if phone is None:
        state.memory["awaiting_phone"] = {"flow": flow_name, "step": step}
        note = Reply("common.human_need_phone")
        return _ask(state, ctx, notes=(note,)) if flow_for(state) else _idle_menu(state, (note,))
    note, effect = Reply("common.human_recorded", {"phone": phone}), RequestCallback(flow_name, step)
    return _ask(state, ctx, notes=(note,), effects=(effect,)) if flow_for(state) else _idle_menu(state, (note,), (effect,))
