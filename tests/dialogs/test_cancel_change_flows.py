"""Cancelling and changing a filing in the chat (today: Sunday 2026-11-22), started by name as the intent layer does.

The person (insured in 沈阳 210100) has a retiree filing in 深圳 made by a relative long ago and/or
a posted-worker filing of their own in 苏州 from May; both are past their six-month lock unless a
test gives a lock date. Acting on a filing is irreversible, so only the confirm choice itself
(its number or its own words) may act; everything else asks again and does nothing.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dialogs.flows import cancel, change
from dialogs.types import CancelFiling, ChangeFiling
from tests.dialogs.support import MOTHER, Chat, context, existing_filing, start_flow, suzhou_filing

SHENZHEN = existing_filing()
SUZHOU = suzhou_filing()
LOCKED = existing_filing(lock_until=date(2027, 6, 1))


def chat_with(*own, mother=None, **overrides) -> Chat:
    """Return a chat for a person with these filings (and a consenting mother with hers, when given)."""
    filings = {"self": list(own)}
    if mother is not None:
        filings["member:7"] = list(mother)
        overrides.setdefault("members", (MOTHER,))
    return Chat(context(filings=filings, **overrides))


def effects(step, kind):
    return [e for e in step.effects if isinstance(e, kind)]


def offered_labels(step) -> list[str]:
    return [c.label for c in step.replies[-1].choices]


# --- cancel --------------------------------------------------------------------------

def test_a_single_filing_is_shown_in_full_and_cancelled_only_by_the_confirm_choice():
    chat = chat_with(SHENZHEN)
    step = start_flow(chat, "cancel", "出差取消了，这个备案帮我撤了吧")
    assert chat.prompts() == ["cancel.intro", "cancel.ask_confirmed"]  # nothing to ask: one filing
    text = chat.text()
    for words in ("就医地：深圳市", "异地安置退休人员", "2025年1月5日起", "张*", "2025年1月1日", "不能再直接结算", "重新办备案"):
        assert words in text
    assert step.replies[-1].choices[0].irreversible and not step.replies[-1].choices[1].irreversible
    assert offered_labels(step) == ["cancel.choice_confirm", "cancel.choice_keep"]
    done = chat.say({"choice": 1})
    assert effects(done, CancelFiling) == [CancelFiling("self", "BA20250101-0001")]
    assert chat.state.flow is None and chat.slots == {}


@pytest.mark.parametrize("said", ["1", "确认撤销", "确认撤销。", "Confirm cancellation"])
def test_the_confirmation_is_taken_from_its_number_or_its_own_words(said):
    chat = chat_with(SHENZHEN)
    start_flow(chat, "cancel", "取消备案")
    assert effects(chat.say(said), CancelFiling) == [CancelFiling("self", "BA20250101-0001")]


@pytest.mark.parametrize("said", ["嗯", "好", "好的", "可以", "对", "yes", "这是啥", "撤了会怎么样？", "？？？", ""])
def test_a_plain_yes_a_question_or_anything_unclear_at_the_confirmation_cancels_nothing(said):
    chat = chat_with(SHENZHEN)
    start_flow(chat, "cancel", "取消备案")
    step = chat.say(said)
    assert step.effects == ()
    # A plain yes is told how to confirm; a question is answered; noise is not understood. The step waits.
    assert chat.prompts(step)[-1] == "cancel.ask_confirmed"
    if chat.prompts(step)[0] == "cancel.how_to_confirm":
        assert '请点"确认撤销"或回复1' in chat.text(step)
    assert chat.state.step == "confirmed"


@pytest.mark.parametrize("said", [{"choice": 2}, "先不撤了", "不撤了", "算了"])
def test_keeping_the_filing_ends_the_flow_and_changes_nothing(said):
    chat = chat_with(SHENZHEN)
    start_flow(chat, "cancel", "取消备案")
    step = chat.say(said)
    assert step.effects == () and chat.prompts(step) == ["cancel.kept"]
    assert "深圳市的备案没有任何变化" in chat.text(step)
    assert chat.state.flow is None


@pytest.mark.parametrize("said", [{"choice": 2}, "2", "第二个", "苏州", "苏州的那个", "BA20260510-0002"])
def test_with_two_filings_the_person_picks_one_by_number_by_city_or_by_reference(said):
    chat = chat_with(SHENZHEN, SUZHOU)
    step = start_flow(chat, "cancel", "取消备案")
    assert chat.prompts(step) == ["cancel.intro", "cancel.ask_reference"]
    assert "1 深圳市 · 异地安置退休人员 · 2025年1月5日起（已通过）" in chat.text(step)
    assert "2 苏州市 · 常驻异地工作人员 · 2026年5月20日起（已通过）" in chat.text(step)
    chat.say(said)
    assert chat.state.step == "confirmed" and "就医地：苏州市" in chat.text()
    assert effects(chat.say("确认撤销"), CancelFiling) == [CancelFiling("self", "BA20260510-0002")]


def test_a_city_named_in_the_first_message_picks_the_filing_at_once():
    chat = chat_with(SHENZHEN, SUZHOU)
    start_flow(chat, "cancel", "把苏州的备案撤了")
    assert chat.prompts() == ["cancel.intro", "cancel.ask_confirmed"]
    assert chat.slots["reference"] == "BA20260510-0002"


def test_a_locked_filing_is_refused_with_its_date_and_no_confirmation_is_offered():
    chat = chat_with(LOCKED)
    step = start_flow(chat, "cancel", "出差取消了，这个备案帮我撤了吧")
    assert chat.prompts(step) == ["cancel.intro", "cancel.locked"]
    text = chat.text(step)
    assert "这个备案按参保地规定到2027年6月1日前不能取消" in text and "沈阳市医保经办机构" in text
    assert [c.value for c in step.replies[-1].choices] == ["institution", "my_filings"]
    assert not any(c.irreversible for r in step.replies for c in r.choices)
    assert step.effects == () and chat.state.flow is None
    # Saying yes anyway does nothing irreversible: at idle "1" is the first offered next step.
    after = chat.say("1")
    assert after.effects == () and chat.state.flow == "institution"


def test_a_locked_filing_offers_the_list_of_filings_instead():
    chat = chat_with(LOCKED)
    start_flow(chat, "cancel", "取消备案")
    assert [type(e).__name__ for e in chat.say("2").effects] == ["ShowFilings"]


def test_the_lock_ends_on_its_date_as_the_filing_service_decides():
    chat = chat_with(existing_filing(lock_until=date(2026, 11, 22)))
    start_flow(chat, "cancel", "取消备案")
    assert chat.state.step == "confirmed"


def test_the_son_cancels_his_mothers_filing_named_by_relation_and_city():
    chat = chat_with(SUZHOU, mother=[SHENZHEN])
    start_flow(chat, "cancel", "帮我妈把深圳的备案取消")
    assert chat.state.step == "confirmed"
    assert "为谁：您的母亲 王*" in chat.text()
    assert effects(chat.say("1"), CancelFiling) == [CancelFiling("member:7", "BA20250101-0001")]


def test_whose_filing_is_asked_when_both_the_person_and_the_mother_have_one():
    chat = chat_with(SUZHOU, mother=[SHENZHEN])
    step = start_flow(chat, "cancel", "取消备案")
    assert chat.prompts(step) == ["cancel.intro", "cancel.ask_principal"]
    assert [c.value for c in step.replies[-1].choices] == ["self", "member:7", "stop"]
    chat.say("我妈的")
    assert chat.slots["principal"] == "member:7" and chat.slots["reference"] == "BA20250101-0001"


def test_a_relative_who_has_not_consented_is_explained_and_nothing_is_cancelled():
    chat = chat_with(SHENZHEN, members=(MOTHER,))
    start_flow(chat, "cancel", "帮我爸把备案撤了")
    assert chat.prompts() == ["cancel.intro", "cancel.ask_principal"]
    assert "父亲还没有授权您代办" in chat.text()
    assert chat.say("我妈的").effects == () and chat.prompts() == ["cancel.nothing_for", "cancel.ask_principal"]


def test_with_no_filing_to_cancel_the_flow_does_not_start():
    chat = chat_with()
    step = start_flow(chat, "cancel", "取消备案")
    assert chat.prompts(step) == ["cancel.none"] and chat.state.flow is None


def test_cancel_at_any_step_leaves_the_filing_alone():
    chat = chat_with(SHENZHEN)
    start_flow(chat, "cancel", "撤销备案")
    step = chat.say("取消")
    # Where "keep it" is a choice, the safe reading of a bare 取消 is that choice.
    assert step.effects == () and chat.prompts(step) in (["cancel.cancelled"], ["cancel.kept"])
    assert chat.state.flow is None


# --- change --------------------------------------------------------------------------

def test_a_new_city_in_the_first_message_goes_straight_to_old_and_new_on_their_own_lines():
    chat = chat_with(SUZHOU)
    start_flow(chat, "change", "哎呀 填错了 公司其实是派我去杭州 能改吗")
    assert chat.prompts() == ["change.intro", "change.ask_confirmed"]
    lines = chat.text().splitlines()
    assert "就医城市：苏州市 → 杭州市" in lines
    # The old start (May) is before today, where no new long-term filing may start: said, not hidden.
    assert "开始日期：2026年5月20日 → 2026年11月22日" in lines
    assert any("至少到2027年5月22日前不能再变更或取消" in line for line in lines)
    assert chat.steps[-1].replies[-1].choices[0].irreversible
    done = chat.say("确认变更")
    assert effects(done, ChangeFiling) == [
        ChangeFiling("self", "BA20260510-0002", {"treatment_area": "330100", "start_date": "2026-11-22"})]


def test_a_filing_that_starts_later_keeps_its_start_when_only_the_city_changes():
    chat = chat_with(suzhou_filing(start_date=date(2026, 12, 1), lock_until=None))
    start_flow(chat, "change", "糟了，城市弄错了，应该是无锡不是苏州")
    assert "就医城市：苏州市 → 无锡市" in chat.text().splitlines()
    assert effects(chat.say("1"), ChangeFiling)[0].changes == {"treatment_area": "320200"}


def test_a_new_city_in_the_same_province_as_the_insured_area_is_refused_with_the_reason():
    chat = chat_with(SUZHOU)
    start_flow(chat, "change", "备案改成大连")
    assert chat.prompts() == ["change.intro", "filing.same_province", "change.ask_treatment_area"]
    assert "大连市和参保地沈阳市在同一个省" in chat.text()
    step = chat.say("大连")
    assert chat.prompts(step) == ["filing.same_province", "change.ask_treatment_area"]
    chat.say("杭州")
    assert chat.state.step == "confirmed"


def test_the_city_step_refuses_the_current_city_and_unknown_places():
    chat = chat_with(SUZHOU)
    start_flow(chat, "change", "备案要改一下")
    assert chat.prompts() == ["change.intro", "change.ask_field"]
    chat.say("就医城市")
    assert chat.prompts(chat.say("苏州")) == ["change.same_value", "change.ask_treatment_area"]
    assert chat.prompts(chat.say("火星")) == ["filing.unknown_area", "change.ask_treatment_area"]


def test_a_locked_filing_is_refused_with_its_date_even_when_the_new_city_was_said():
    chat = chat_with(LOCKED)
    step = start_flow(chat, "change", "糟了，城市弄错了，应该是无锡不是深圳")
    assert chat.prompts(step) == ["change.intro", "change.locked"]
    assert "这个备案按参保地规定到2027年6月1日前不能变更或取消" in chat.text(step)
    assert step.effects == () and chat.state.flow is None


def test_the_start_date_is_changed_after_saying_what_to_change():
    chat = chat_with(SUZHOU)
    start_flow(chat, "change", "备案要改一下")
    chat.say("2")
    assert chat.prompts(chat.say("昨天")) == ["filing.date_in_past", "change.ask_start_date"]
    chat.say("改到下周一开始")
    assert "开始日期：2026年5月20日 → 2026年11月23日" in chat.text().splitlines()
    assert effects(chat.say("1"), ChangeFiling)[0].changes == {"start_date": "2026-11-23"}


def test_the_category_changes_only_to_another_of_the_same_kind_that_the_area_offers():
    chat = chat_with(SUZHOU)
    start_flow(chat, "change", "备案要改一下")
    step = chat.say("人员类别")
    assert [c.value for c in step.replies[-1].choices] == ["retiree_resettled", "long_term_resident"]
    chat.say("2")
    assert "人员类别：常驻异地工作人员 → 异地长期居住人员" in chat.text().splitlines()
    assert effects(chat.say("1"), ChangeFiling)[0].changes == {"category": "long_term_resident",
                                                               "start_date": "2026-11-22"}


@pytest.mark.parametrize("said", ["嗯", "好的", "这是啥", "可以改吗？"])
def test_a_plain_yes_or_a_question_at_the_change_confirmation_changes_nothing(said):
    chat = chat_with(SUZHOU)
    start_flow(chat, "change", "公司其实是派我去杭州 能改吗")
    step = chat.say(said)
    assert step.effects == () and chat.prompts(step)[-1] == "change.ask_confirmed"
    assert chat.state.step == "confirmed"


def test_keeping_the_filing_at_the_change_confirmation_changes_nothing():
    chat = chat_with(SUZHOU)
    start_flow(chat, "change", "公司其实是派我去杭州 能改吗")
    step = chat.say("先不改了")
    assert step.effects == () and chat.prompts(step) == ["change.kept"] and chat.state.flow is None


def test_a_correction_at_the_summary_replaces_the_new_value_and_asks_again():
    chat = chat_with(SUZHOU)
    start_flow(chat, "change", "公司其实是派我去杭州 能改吗")
    step = chat.say("不对，是南京")
    assert step.effects == () and chat.state.step == "confirmed"
    assert "就医城市：苏州市 → 南京市" in chat.text().splitlines()
    assert chat.prompts(chat.say("不对，是大连")) == ["filing.same_province", "change.ask_confirmed"]
    assert effects(chat.say("1"), ChangeFiling)[0].changes["treatment_area"] == "320100"


def test_the_mother_s_filing_is_changed_for_her_by_the_son():
    chat = chat_with(SUZHOU, mother=[SHENZHEN])
    start_flow(chat, "change", "我妈的备案要改到杭州")
    assert "为谁：您的母亲 王*" in chat.text()
    assert effects(chat.say("1"), ChangeFiling)[0].principal == "member:7"


# --- the tables and their diagrams ----------------------------------------------------------

@pytest.mark.parametrize("module", [cancel, change], ids=["cancel", "change"])
def test_the_state_diagram_beside_each_flow_names_every_step_of_its_table(module):
    diagram = Path(module.__file__).with_suffix(".mmd").read_text(encoding="utf-8")
    declared = {line.split(" as ")[-1].strip() for line in diagram.splitlines() if line.strip().startswith("state ")}
    assert {step for step, _slot, _next in module.TABLE} <= declared


@pytest.mark.parametrize("filed_by, said", [("self", "办理：您（代办）"), ("member_self", "办理：母亲本人")])
def test_who_made_the_mothers_filing_is_told_from_the_sons_side(filed_by, said):
    # From a persona trial: the son's own filing for her read "母亲本人", and hers read "您（代办）".
    chat = chat_with(SUZHOU, mother=[existing_filing(filed_by=filed_by)])
    start_flow(chat, "cancel", "帮我妈把深圳的备案取消")
    assert said in chat.text(), chat.text()


def test_a_filing_the_mother_made_herself_is_named_as_hers_when_the_son_files_again():
    chat = chat_with(mother=[existing_filing(filed_by="member_self")])
    chat.say("帮我妈办备案，她退休了住在深圳")
    assert "母亲本人" in chat.text() and "本人  " not in chat.text()
