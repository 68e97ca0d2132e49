"""At the summary, a pause waits, a hedge is asked again and a stop stops; none sends anything (persona trials).

"hmm, wait" was "didn't understand"; "actually I'll leave it for now, don't send it" and "I want to stop.
cancel this" opened the change menu. Pauses and stops, in either language, in words nobody wrote here.
"""
from dataclasses import replace

import pytest

from dialogs.types import SubmitFiling
from tests.dialogs.support import Chat, context


def _at_summary(lang: str) -> Chat:
    chat = Chat(replace(context(), lang=lang))
    chat.say("I'm on a business trip to Shanghai, need a filing" if lang == "en" else "去上海出差，办个备案")
    while chat.state.step != "confirmed" and chat.state.turns < 12:
        chat.say("1")
    assert chat.state.step == "confirmed"
    return chat


@pytest.mark.parametrize("lang, words", [
    ("en", "hmm, wait"), ("en", "wait a sec"), ("en", "hold on please"), ("en", "let me think"),
    ("zh_CN", "等一下"), ("zh_CN", "嗯 等等"), ("zh_CN", "让我想想"), ("zh_CN", "稍等啊"),
    # "don't send it yet" holds the summary (the team's rule: not a stop), in the words of two trials.
    ("en", "don't submit"), ("en", "not yet"), ("zh_CN", "先别提交"), ("zh_CN", "不要提交，等会儿再交"),
    ("zh_CN", "等等啊 先别交 俺给儿子打个电话问问"),
])
def test_a_pause_keeps_the_summary_and_sends_nothing(lang, words):
    chat = _at_summary(lang)
    step = chat.say(words)
    assert [r.prompt for r in step.replies][0] == "common.take_your_time"
    assert chat.state.step == "confirmed" and not step.effects


@pytest.mark.parametrize("lang, words", [
    ("en", "actually I'll leave it for now, don't send it"), ("en", "no I don't want to change, I want to stop. cancel this"),
    ("en", "not now"), ("en", "maybe later"), ("en", "ok bye"), ("zh_CN", "算了，以后再说"),
])
def test_a_stop_leaves_the_filing_unsent_and_kept_as_a_draft(lang, words):
    chat = _at_summary(lang)
    step = chat.say(words)
    assert not any(isinstance(e, SubmitFiling) for e in step.effects)
    assert chat.state.flow is None and step.replies[0].prompt == "filing.cancelled"
    chat.say("make a filing" if lang == "en" else "办备案")
    assert chat.state.slots.get("treatment_area") == "310000"  # the draft resumes


@pytest.mark.parametrize("lang, words", [
    ("zh_CN", "嗯 差不多吧"), ("zh_CN", "应该没问题吧"), ("zh_CN", "好像可以"), ("en", "I guess so"), ("en", "probably fine"),
])
def test_a_hedge_is_never_a_yes_to_submit(lang, words):
    chat = _at_summary(lang)
    step = chat.say(words)
    assert not step.effects and chat.state.step == "confirmed"
    assert step.replies[0].prompt == "filing.say_it_plainly"
