"""Fixes from the fourth persona round (a colloquial grandmother, a worker who changes his mind, an English speaker)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.dialogs.support import Chat, context


def _english_trip() -> Chat:
    chat = Chat(replace(context(), lang="en"))
    for message in ("hi, english please", "i want to file for a business trip to beijing", "next monday"):
        chat.say(message)
    assert chat.state.step == "end_date"
    return chat


@pytest.mark.parametrize("said", ["just 2 weeks is fine, till the 28th", "till the 28th", "until the 28th"])
def test_an_end_day_said_in_english_is_the_end_not_the_default(said):
    chat = _english_trip()
    chat.say(said)
    assert chat.slots["end_date"] == "2026-11-28"


def test_a_chinese_name_in_an_english_message_does_not_switch_to_chinese():
    chat = _english_trip()
    chat.say("oh wait, on my ID card its in chinese - 陈丹. should i use that instead?")
    assert chat.state.memory.get("lang") == "en" and "common.language_switched" not in chat.prompts()


@pytest.mark.parametrize("ask", ["can we do this in chinese?", "reply in chinese please", "chinese please"])
def test_asking_for_chinese_still_switches(ask):
    chat = Chat(replace(context(), lang="en"))
    chat.say("hi, english please")
    chat.say(ask)
    assert chat.state.memory.get("lang") == "zh_CN"


@pytest.mark.parametrize("said", ["行了行了 谢谢你啊闺女", "行，谢了", "谢谢", "thanks, bye"])
def test_thanks_is_answered_as_a_goodbye(said):
    chat = Chat(context())
    chat.say(said)
    assert chat.prompts() == ["common.you_are_welcome", "common.menu_short"]


def test_a_greeting_greets_once():
    chat = Chat(context())
    chat.say("你好")
    assert chat.prompts() == ["common.welcome"]
    assert chat.text().count("您好") == 1


@pytest.mark.parametrize("said", ["俺跟儿子在深圳住 住了快两年了 以后也不回去了", "以后就在这边了，不打算回去",
                                  "we moved here for good"])
def test_staying_for_good_is_long_term(said):
    chat = Chat(context())
    chat.say("我要办备案")
    chat.say("深圳")
    chat.say(said)
    assert chat.slots.get("category_group") == "long_term"
