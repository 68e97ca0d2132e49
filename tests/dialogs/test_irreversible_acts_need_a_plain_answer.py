"""Submitting, signing and cancelling happen only on a message that is nothing but that answer (issue #17).

A question that names the act ("确认提交之前问一下…") is answered and the step waits; an answer said
together with a question is taken for ordinary steps, but never for an irreversible one.
"""
from __future__ import annotations

import pytest

from dialogs.types import CancelFiling, SubmitFiling
from tests.dialogs.support import Chat, context, existing_filing, start_flow


def at_summary() -> Chat:
    chat = Chat()
    for said in ("公司派我去苏州工作一年", "12月1日", "1", "我已阅读并承诺", "1"):
        chat.say(said)
    assert chat.state.step == "confirmed"
    return chat


@pytest.mark.parametrize("said", ["确认提交之前问一下，提交了还能改吗", "提交了以后多久不能改？", "确认提交？", "好吧？"])
def test_a_question_at_the_summary_submits_nothing(said):
    chat = at_summary()
    step = chat.say(said)
    assert not [e for e in step.effects if isinstance(e, SubmitFiling)]
    assert chat.state.step == "confirmed"


@pytest.mark.parametrize("said", ["承诺书签了会怎么样？", "签了以后还能改吗", "同意之前问下，要按手印吗"])
def test_a_question_at_the_letter_signs_nothing(said):
    chat = Chat()
    for line in ("公司派我去苏州工作一年", "12月1日", "1"):
        chat.say(line)
    assert chat.state.step == "commitment"
    chat.say(said)
    assert chat.state.step == "commitment" and not chat.slots.get("commitment")


@pytest.mark.parametrize("said", ["确认撤销的话还能再办吗", "撤了以后还能再办吗？", "不是要撤这个"])
def test_a_question_or_a_denial_at_the_cancel_confirmation_cancels_nothing(said):
    chat = Chat(context(filings={"self": [existing_filing(lock_until=None)]}))
    start_flow(chat, "cancel", "取消备案")
    step = chat.say(said)
    assert not [e for e in step.effects if isinstance(e, CancelFiling)]
