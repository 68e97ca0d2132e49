"""A number where words are asked, and English requests for a place to be treated.

A person who has just tapped "1" on a menu often sends "1" again at the next question, which wants a city
or a date; they are told there is nothing to number here, not that "1" is an unknown place.
"""
import pytest

from dialogs.prompts import render_step
from tests.dialogs.support import Chat, context


@pytest.mark.parametrize("number", ["1", "2 ", "第一个", "三", {"choice": 1}])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_number_at_the_city_question_is_told_to_type_the_answer(number, lang):
    chat = Chat(context(lang=lang))
    chat.say("办备案")
    assert chat.state.step == "treatment_area"
    step = chat.say(number)
    assert [r.prompt for r in step.replies][0] == "common.type_it"
    text = render_step(step, lang).text
    assert ("没找到" not in text) and ("couldn't find" not in text), text
    assert chat.state.step == "treatment_area"


def test_an_amount_or_an_unknown_city_still_gets_its_own_answer():
    chat = Chat(context())
    chat.say("办备案")
    step = chat.say("3000")
    assert [r.prompt for r in step.replies][0] != "common.type_it"
    step = chat.say("火星")
    assert "没找到" in render_step(step, "zh_CN").text


@pytest.mark.parametrize("words", ["I need a hospital", "looking for a clinic near here", "can you recommend a hospital",
                                   "nearest pharmacy please", "which hospitals are in Shenzhen"])
def test_english_requests_for_a_place_find_institutions(words):
    chat = Chat(context(lang="en"))
    chat.say(words)
    assert chat.state.flow == "institution", words
