"""A side question never submits, never changes the unfinished filing, and says the filing was not sent.

The son at the summary writes "没问题 提交 顺便问下…" (submit plus a question): nothing is sent, he is told so
before the answer, and when he comes back his mother's filing still starts on the day he gave, not on
the day of the hospital visit he asked about.
"""
import pytest

from dialogs.types import SubmitFiling
from tests.dialogs.support import MOTHER, Chat, context


def _at_summary(chat):
    chat.say("帮我妈办备案，她退休了住在深圳，今天开始")
    while chat.state.step != "confirmed":
        chat.say("1")
    return dict(chat.state.slots)


@pytest.mark.parametrize("words", ["没问题 提交 顺便问下下周三带我妈去住院能直接结吗",
                                   "确认吧，对了住院两万能报多少", "提交之前问一下，下个月去医院能直接结算吗"])
def test_submit_with_a_question_sends_nothing_and_says_so(words):
    chat = Chat(context(members=(MOTHER,)))
    before = _at_summary(chat)
    step = chat.say(words)
    assert not any(isinstance(e, SubmitFiling) for e in step.effects)
    assert step.replies[0].prompt == "filing.not_sent_yet"
    assert "还没有提交" in chat.text()
    chat.say("办备案")
    assert chat.state.flow == "filing" and chat.state.slots["start_date"] == before["start_date"]
    assert chat.state.slots["principal"] == before["principal"]


def test_a_visit_day_asked_about_is_not_the_start_of_a_later_filing():
    chat = Chat(context())
    chat.say("下个月15号去深圳住院能直接结算吗")
    chat.say("取消")
    chat.say("我退休了要去深圳长住，办个备案")
    assert chat.state.slots.get("start_date") in (None, "")  # asked, not taken from the visit question
    assert chat.state.step == "start_date"
