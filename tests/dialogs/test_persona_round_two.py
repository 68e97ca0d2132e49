"""What the second round of persona trials hit, as classes (words here are new, not the trial's own).

A question is not an answer; status asked without the word 备案; a claim after paying first; how a figure
was worked out; an answer and a correction in one message; keeping a filing is not cancelling it; a past cue
far from the day does not move it a year back.
"""
from datetime import date

import pytest

from dialogs import intents, nlu
from dialogs.flows.institution import visit_date
from tests.dialogs.support import Chat, context, gazetteer

TODAY = date(2026, 12, 7)


def _intent(text: str) -> intents.Understanding:
    return intents.understand(text, today=TODAY, gazetteer=gazetteer())


@pytest.mark.parametrize("words", ["这个日子是干啥用的 选今天有啥说道没", "今天开始有啥讲究吗？", "选今天的话会怎样"])
def test_a_question_about_a_choice_does_not_make_it(words):
    chat = Chat(context())
    chat.say("我退休了，要搬去深圳住")
    assert chat.state.step == "start_date"
    chat.say(words)
    assert chat.state.step == "start_date" and not chat.state.slots.get("start_date")


@pytest.mark.parametrize("words", ["那从哪天开始就能用了", "能用到啥时候", "这就办完了？真办好了啊", "啥时候到期"])
def test_when_it_starts_and_ends_asked_without_the_word_filing_is_status(words):
    assert _intent(words).intent == "my_filings", words


@pytest.mark.parametrize("words, term", [
    ("要是我自己先垫钱，回沈阳能报销吗", "manual_reimbursement"), ("垫付的钱事后能报不", "manual_reimbursement"),
    ("can i pay first and claim it back?", "manual_reimbursement"), ("那1350咋算的", "deductible"),
    ("这个数怎么算出来的", "deductible"),
])
def test_a_claim_after_paying_and_how_a_figure_is_worked_out_are_explained(words, term):
    understood = _intent(words)
    assert (understood.intent, understood.slots.get("term")) == ("explain", term), words


def test_not_having_to_pay_first_is_still_the_settlement_question():
    assert _intent("在北京协和住院能不能直接报销 不用垫钱").intent == "will_settle"


@pytest.mark.parametrize("words", ["算了不撤了 留着", "别撤销，保留着", "don't cancel it, keep it"])
def test_keeping_a_filing_is_not_a_request_to_cancel_it(words):
    assert _intent(words).intent != "cancel_filing", words


def test_an_answer_and_a_correction_in_one_message_are_both_applied():
    chat = Chat(context(insured={"self": "340100"}))
    chat.say("公司派我去杭州工作一年")
    chat.say("12月20号")
    step = chat.say("用证明材料吧。对了单位刚通知 不去杭州了 改南京")
    assert chat.state.slots["materials"] == "documents" and chat.state.slots["treatment_area"] == "320100"
    assert "common.ok_change" in [r.prompt for r in step.replies]


@pytest.mark.parametrize("text, day", [
    ("备案还在审，材料也交了。那25号去门诊呢？", "2026-12-25"), ("25号那次看的门诊能报吗", "2025-12-25"),
    ("我说的是今年12月25号", "2026-12-25"), ("我11月3号在北大深圳医院看的门诊，能报吗", "2026-11-03"),
])
def test_a_past_cue_moves_the_day_back_only_when_it_is_about_that_day(text, day):
    ctx = context(today=TODAY)
    assert visit_date(nlu.extract(text, today=TODAY, gazetteer=ctx.gazetteer), ctx)["visit_date"] == day
