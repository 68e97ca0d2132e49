"""The chat names the papers the insured area asks for this category, the first one first, and how to photograph it.

Transcripts on the engine alone: Langfang (131000) takes no promise letter; Shenyang (210100) does.
"""
import pytest

from dialogs.prompts import render_step
from tests.dialogs.support import Chat, context


def _papers_reply(step):
    return next((r for r in step.replies if r.prompt == "filing.papers_needed"), None)


def test_a_posted_worker_who_must_send_papers_is_told_which_one_and_how_to_photograph_it():
    chat = Chat(context(insured={"self": "131000"}))
    chat.say("公司派我去苏州工作一年")
    chat.say("12月1日")
    assert chat.state.step == "materials"
    step = chat.say("1")  # the only choice: papers
    reply = _papers_reply(step)
    assert reply is not None and reply.params["papers"] == ["posting_letter"]
    words = chat.text()
    assert "单位派出证明" in words and "四个角都拍进去" in words and "公众号" in words and "我的备案" in words
    assert words.index("单位派出证明") < words.index("联系电话")  # said before the next question
    assert chat.state.step == "phone"


def test_a_retiree_hears_her_two_papers_one_after_the_other():
    chat = Chat(context())
    chat.say("我退休了，要搬去深圳住")
    while chat.state.step != "materials":
        chat.say("1")
    chat.say("用证明材料")
    words = chat.text()
    assert "共2份" in words and "先拍第1份“户口簿首页和本人页”" in words and "然后是“居住登记" in words
    assert "签承诺书" not in words.split("共2份")[1]


def test_choosing_papers_after_reading_the_promise_letter_names_them_too():
    chat = Chat(context())
    chat.say("公司派我去苏州工作一年")
    chat.say("12月1日")
    chat.say("签承诺书")
    assert chat.state.step == "commitment"
    step = chat.say("不签了，我有证明材料")
    assert _papers_reply(step).params["papers"] == ["posting_letter"] and chat.state.step == "phone"


def test_signing_the_promise_letter_asks_for_no_paper():
    chat = Chat(context())
    chat.say("公司派我去苏州工作一年")
    chat.say("12月1日")
    chat.say("签承诺书")
    assert all(_papers_reply(s) is None for s in chat.steps)


def test_the_large_text_note_names_only_the_first_paper():
    chat = Chat(context(insured={"self": "131000"}, large_text=True))
    chat.say("公司派我去苏州工作一年")
    chat.say("12月1日")
    step = chat.say("1")
    large = render_step(step, "zh_CN", True).text
    assert "单位派出证明" in large and "四个角" in large and len(large) <= 200


def test_asking_about_papers_while_filing_is_answered_and_the_step_waits():
    chat = Chat(context(insured={"self": "131000"}))
    chat.say("公司派我去苏州工作一年")
    step = chat.say("需要哪些材料")
    assert step.replies[0].prompt == "filing.papers_later" and chat.state.step == "start_date"
    assert "廊坊市办这一类备案要交证明材料" in chat.text()
    chat.say("12月1日")
    chat.say("1")
    chat.say("1")
    assert chat.state.step == "confirmed"
    step = chat.say("嗯 先等等，交了以后派遣函拍照发哪")
    assert _papers_reply(step) is not None and chat.state.step == "confirmed" and not step.effects
    assert "要交的材料一份一份来" in render_step(step, "zh_CN", False).text


def test_where_a_promise_letter_is_accepted_asking_about_papers_says_so():
    chat = Chat(context())
    chat.say("公司派我去苏州工作一年")
    chat.say("材料怎么交")
    assert "可以签承诺书，签了就不用交材料" in chat.text()


@pytest.mark.parametrize("words", ["这俩有啥区别", "哪个好", "承诺书和证明材料有什么不一样", "what's the difference?"])
def test_asking_the_difference_at_the_materials_step_puts_both_side_by_side(words):
    chat = Chat(context())
    chat.say("公司派我去苏州工作一年")
    chat.say("12月1日")
    step = chat.say(words)
    assert step.replies[0].prompt == "common.explain_materials_choice" and chat.state.step == "materials"
    assert "① 签承诺书" in chat.text() and "② 用证明材料" in chat.text()
