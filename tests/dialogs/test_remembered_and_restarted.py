"""What a form fills from earlier words is said; "重新开始" starts from nothing; a city said at another step changes it.

Found when the benchmark's conversation ran twice for one person: after "不办了", a new filing silently took the
city of the cancelled one; "深圳" at the "long-term or temporary?" question was not understood; and "重新开始"
("好的，我们从头开始") went on with the old city.
"""
from __future__ import annotations

import pytest

from tests.dialogs.support import Chat, context


def _cancelled_suzhou_draft(chat: Chat) -> None:
    for message in ("我想办异地就医备案", "苏州", "不办了"):
        chat.say(message)


@pytest.mark.parametrize("again", ["我想办异地就医备案", "还是办备案吧", "帮我办个备案"])
def test_a_resumed_filing_says_which_city_it_took_from_before(again):
    chat = Chat(context())
    _cancelled_suzhou_draft(chat)
    chat.say(again)
    assert "filing.carried_over" in chat.prompts()
    assert chat.slots["treatment_area"] == "320500"
    assert "苏州" in chat.text() or "Suzhou" in chat.text()


def test_a_filing_that_takes_nothing_from_before_says_nothing_about_it():
    chat = Chat(context())
    chat.say("我想办异地就医备案")
    assert "filing.carried_over" not in chat.prompts()
    chat.say("去深圳")
    assert "filing.carried_over" not in chat.prompts()


@pytest.mark.parametrize("said", ["深圳", "深圳市", "是深圳", "去深圳吧", "深圳那边"])
def test_a_city_said_at_a_question_about_something_else_changes_the_city(said):
    chat = Chat(context())
    _cancelled_suzhou_draft(chat)
    chat.say("我想办异地就医备案")
    assert chat.state.step == "category_group"
    chat.say(said)
    assert chat.slots["treatment_area"] == "440300"
    assert "common.ok_change" in chat.prompts() and chat.state.step == "category_group"
    assert "深圳" in chat.text()


def test_a_city_said_again_is_not_a_change_and_a_real_answer_still_answers():
    chat = Chat(context())
    chat.say("我想办异地就医备案")
    chat.say("深圳")
    chat.say("深圳")  # the same city again: nothing changes, the question is asked again as before
    assert chat.slots["treatment_area"] == "440300" and "common.ok_change" not in chat.prompts()
    chat.say("临时去看病")
    assert chat.state.step == "category"


def test_a_message_with_more_than_a_city_is_not_taken_as_a_change_of_city():
    chat = Chat(context())
    chat.say("我想办异地就医备案")
    chat.say("深圳")
    chat.say("我在苏州的儿子家住，能不能办长期的")  # a place inside a sentence: not a bare correction
    assert chat.slots["treatment_area"] == "440300" and "common.ok_change" not in chat.prompts()
    assert chat.slots["category_group"] == "long_term"


@pytest.mark.parametrize("restart", ["重新开始", "从头开始", "start over"])
def test_starting_over_asks_the_city_again_and_forgets_the_draft(restart):
    chat = Chat(context())
    _cancelled_suzhou_draft(chat)
    chat.say("我想办异地就医备案")
    chat.say(restart)
    assert "common.restarted" in chat.prompts()
    assert chat.state.step == "treatment_area"
    assert "treatment_area" not in chat.slots
    chat.say("不办了")
    chat.say("我想办异地就医备案")
    assert chat.state.step == "treatment_area"  # nothing is carried over after starting from scratch


@pytest.mark.parametrize("vague", ["那就这样吧", "好", "好吧", "嗯", "中", "行", "对", "没问题", "looks good", "ok"])
def test_a_vague_yes_at_the_summary_never_submits_and_says_how_to(vague):
    """Found by a colloquial persona: "那就这样吧" (as often "let's leave it there") submitted a filing locked for
    six months. Only the number or words that say "submit" send it."""
    chat = Chat(context())
    for message in ("我退休了，搬到深圳和儿子一起住", "明天", "承诺书", "我已阅读并承诺", "13912345678"):
        chat.say(message)
    assert chat.state.step == "confirmed"
    step = chat.say(vague)
    assert not step.effects and chat.state.step == "confirmed"
    assert "filing.say_it_plainly" in chat.prompts()
    step = chat.say("确认提交")
    assert [type(e).__name__ for e in step.effects] == ["SubmitFiling"]
