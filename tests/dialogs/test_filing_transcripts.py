"""Whole conversations through the filing flow, as the person would have them (today: Sunday 2026-11-22).

Each transcript is a list of (what the person says, the prompt ids the assistant replies with,
the slots held afterwards). Personas: the insured worker/retiree himself (insured in 沈阳 210100,
which accepts commitment letters), his consenting mother (member 7), a user insured in 廊坊 131000
(no commitment letters), and a user whose WeChat is not yet bound.
"""
from __future__ import annotations

from datetime import date

import pytest

from dialogs.types import RequestCallback, SetLargeText
from tests.dialogs.support import (
    MOTHER,
    Chat,
    Member,
    area_rules,
    context,
    existing_filing,
    play,
    submitted,
)

INTRO = "filing.intro"
START = "filing.ask_start_date"
END = "filing.ask_end_date"
MATERIALS = "filing.ask_materials"
PHONE = "filing.ask_phone"
CONFIRM = "filing.ask_confirmed"
TREATMENT = "filing.ask_treatment_area"
GROUP = "filing.ask_category_group"
CATEGORY = "filing.ask_category"
LETTER = "filing.ask_commitment"
PAPERS = "filing.papers_needed"  # which papers, the first one first, and how to photograph them


def n(number: int) -> dict:
    """Return a tap on numbered choice `number`."""
    return {"choice": number}


# --- the six categories, in free Chinese -------------------------------------------

def test_a_posted_worker_files_for_suzhou_in_his_own_words():
    chat = Chat()
    last = play(chat, [
        ("公司派我去苏州工作一年", [INTRO, START], {"category": "posted_worker", "treatment_area": "320500",
                                                 "insured_area": "210100", "principal": "self"}),
        ("12月1日", [MATERIALS], {"start_date": "2026-12-01"}),
        ("签承诺书", [LETTER], {"materials": "commitment_letter"}),
        ("我已阅读并承诺", [PHONE], {"commitment": "signed"}),
        ("好的", [CONFIRM], {"phone": "profile"}),
        ("确认提交", [], {}),
    ])
    assert submitted(last) == {
        "principal": "self", "insured_area": "210100", "treatment_area": "320500", "category": "posted_worker",
        "category_group": "long_term", "start_date": "2026-12-01", "materials": "commitment_letter",
        "phone": "profile",
    }
    assert chat.state.step == "submitted" and chat.state.flow is None


def test_a_retiree_moving_to_shenzhen_files_in_his_own_words():
    chat = Chat()
    last = play(chat, [
        ("我退休了，搬到深圳和儿子一起住", [INTRO, START], {"category": "retiree_resettled", "treatment_area": "440300"}),
        ("明天", [MATERIALS], {"start_date": "2026-11-23"}),
        ("承诺书", [LETTER], {"materials": "commitment_letter"}),
        (n(1), [PHONE], {"commitment": "signed"}),
        ("13912345678", [CONFIRM], {"phone": "13912345678"}),
        ("对", ["filing.say_it_plainly", CONFIRM], {}),  # a plain yes never submits: it says how to
        ("确认提交", [], {}),
    ])
    slots = submitted(last)
    assert (slots["category"], slots["treatment_area"], slots["start_date"]) == ("retiree_resettled", "440300", "2026-11-23")
    assert (slots["materials"], slots["phone"]) == ("commitment_letter", "13912345678")
    assert "end_date" not in slots


def test_a_long_term_resident_of_hangzhou_files_with_documents_in_her_own_words():
    chat = Chat()
    last = play(chat, [
        ("我长期住在杭州", [INTRO, START], {"category": "long_term_resident", "treatment_area": "330100"}),
        ("下周一", [MATERIALS], {"start_date": "2026-11-23"}),
        ("交居住证", [PAPERS, PHONE], {"materials": "documents"}),
        ("13812345678", [CONFIRM], {"phone": "13812345678"}),
        ("提交", [], {}),
    ])
    slots = submitted(last)
    assert (slots["category"], slots["treatment_area"], slots["materials"]) == ("long_term_resident", "330100", "documents")


def test_a_referral_to_shanghai_is_filed_at_province_level_with_its_certificate_and_an_end_date():
    chat = Chat()
    last = play(chat, [
        ("医院让我转诊去上海", [INTRO, START], {"category": "referral", "treatment_area": "310000"}),
        ("12月1日", [END], {"start_date": "2026-12-01"}),
        ("好的", [MATERIALS], {"end_date": "2027-03-01"}),  # 沈阳: referrals are valid 3 months
        ("有转诊单", [PAPERS, PHONE], {"materials": "documents"}),
        ("13812345678", [CONFIRM], {}),
        ("确认", [], {}),
    ])
    slots = submitted(last)
    assert (slots["category"], slots["treatment_area"]) == ("referral", "310000")
    assert (slots["start_date"], slots["end_date"], slots["materials"]) == ("2026-12-01", "2027-03-01", "documents")


def test_a_traveller_taken_to_an_emergency_ward_in_beijing_files_late_without_materials():
    chat = Chat()
    last = play(chat, [
        ("出差在北京，急诊住院了", [INTRO, START], {"category": "emergency", "treatment_area": "110000"}),
        ("前天", [PHONE], {"start_date": "2026-11-20"}),  # no end date asked, no materials
        ("可以", [CONFIRM], {"phone": "profile"}),
        ("确认", [], {}),
    ])
    slots = submitted(last)
    assert (slots["category"], slots["treatment_area"], slots["start_date"]) == ("emergency", "110000", "2026-11-20")
    assert "materials" not in slots and "end_date" not in slots


def test_a_tourist_to_sanya_files_for_the_hainan_pool_until_the_end_of_the_year():
    chat = Chat()
    last = play(chat, [
        ("去三亚旅游", [INTRO, START], {"category": "other_temporary", "treatment_area": "460000"}),
        ("下周一", [END], {"start_date": "2026-11-23"}),
        ("到12月31日", [PHONE], {"end_date": "2026-12-31"}),
        ("13812345678", [CONFIRM], {}),
        ("确认", [], {}),
    ])
    slots = submitted(last)
    assert (slots["category"], slots["treatment_area"]) == ("other_temporary", "460000")
    assert (slots["start_date"], slots["end_date"], slots["phone"]) == ("2026-11-23", "2026-12-31", "13812345678")
    assert "materials" not in slots


# --- the six categories, tapping numbered choices --------------------------------

NUMBERED = [
    # (category, city said, group choice, category choice, turns after the category: (said, prompts))
    ("retiree_resettled", "深圳", "440300", 1, 1, [(n(1), [MATERIALS]), (n(1), [LETTER]), (n(1), [PHONE])],
     "commitment_letter"),
    ("long_term_resident", "杭州", "330100", 1, 2, [(n(1), [MATERIALS]), (n(2), [PAPERS, PHONE])], "documents"),
    ("posted_worker", "苏州", "320500", 1, 3, [(n(1), [MATERIALS]), (n(1), [LETTER]), (n(1), [PHONE])],
     "commitment_letter"),
    ("referral", "上海", "310000", 2, 1, [(n(1), [END]), (n(1), [MATERIALS]), (n(1), [PAPERS, PHONE])], "documents"),
    ("emergency", "北京", "110000", 2, 2, [(n(1), [PHONE])], None),
    ("other_temporary", "三亚", "460000", 2, 3, [(n(1), [END]), (n(1), [PHONE])], None),
]


@pytest.mark.parametrize("category,city,pool,group,number,middle,materials", NUMBERED, ids=[r[0] for r in NUMBERED])
def test_each_category_can_be_filed_by_tapping_numbers(category, city, pool, group, number, middle, materials):
    chat = Chat()
    last = play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {"principal": "self", "insured_area": "210100"}),
        (city, [GROUP], {"treatment_area": pool}),
        (n(group), [CATEGORY], {}),
        (n(number), [START], {"category": category}),
        *[(said, prompts, {}) for said, prompts in middle],
        (n(1), [CONFIRM], {"phone": "profile"}),
        (n(1), [], {}),
    ])
    slots = submitted(last)
    assert (slots["category"], slots["treatment_area"], slots["start_date"]) == (category, pool, "2026-11-22")
    assert slots.get("materials") == materials
    if category in ("referral", "other_temporary"):
        assert slots["end_date"] == ("2027-02-22" if category == "referral" else "2027-05-22")
    else:
        assert "end_date" not in slots


def test_a_filing_for_a_langfang_insured_must_bring_documents_since_langfang_refuses_commitment_letters():
    chat = Chat(context(insured={"self": "131000"}))
    play(chat, [
        ("公司派我去苏州工作一年", [INTRO, START], {"insured_area": "131000"}),
        ("12月1日", [MATERIALS], {}),
        ("签承诺书", ["filing.commitment_not_accepted", MATERIALS], {"materials": None}),
    ])
    assert chat.state.offered == ["documents"]
    play(chat, [(n(1), [PAPERS, PHONE], {"materials": "documents"})])


# --- the one sentence of EXPERIENCE.md §2 --------------------------------------------

def test_the_sons_one_sentence_fills_four_slots_for_his_consenting_mother_and_asks_only_the_start_date():
    # The son is insured in 廊坊; the mother's own profile says 沈阳.
    chat = Chat(context(members=(MOTHER,), insured={"self": "131000", "member:7": "210100"}))
    play(chat, [
        ("我妈退休后住在深圳，参保在沈阳", [INTRO, START], {
            "principal": "member:7", "category": "retiree_resettled", "treatment_area": "440300",
            "insured_area": "210100", "start_date": None}),
    ])
    assert chat.steps[-1].replies[-1].params == {"category": "retiree_resettled"}


# --- unhappy paths ---------------------------------------------------------------

def test_it_keeps_what_was_said_and_asks_again_when_the_city_is_unknown():
    chat = Chat()
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("火星", ["filing.unknown_area", TREATMENT], {"principal": "self", "insured_area": "210100",
                                                     "treatment_area": None}),
        ("苏州", [GROUP], {"treatment_area": "320500"}),
    ])
    assert chat.steps[1].replies[0].params == {"text": "火星"}


def test_it_keeps_the_category_already_understood_when_the_city_is_unknown():
    chat = Chat()
    play(chat, [
        ("我要办备案，我是出差", [INTRO, TREATMENT], {"category": "other_temporary"}),
        ("火星", ["filing.unknown_area", TREATMENT], {"category": "other_temporary"}),
    ])


def test_it_asks_which_city_when_told_a_province_that_pools_by_city():
    chat = Chat()
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("广东", ["filing.which_city", TREATMENT], {"treatment_area": None}),
    ])


def test_it_accepts_a_province_level_pool_like_beijing_as_the_treatment_area():
    chat = Chat()
    play(chat, [("我要办备案", [INTRO, TREATMENT], {}), ("北京", [GROUP], {"treatment_area": "110000"})])


def test_it_refuses_a_treatment_area_in_the_insured_province_and_says_why():
    chat = Chat()
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("大连", ["filing.same_province", TREATMENT], {"treatment_area": None}),
        ("长春", [GROUP], {"treatment_area": "220100"}),
    ])
    assert chat.steps[1].replies[0].params == {"treatment": "大连市", "insured": "沈阳市"}


def test_it_refuses_a_long_term_start_date_in_the_past_and_keeps_the_other_slots():
    chat = Chat()
    play(chat, [
        ("公司派我去苏州工作一年", [INTRO, START], {}),
        ("2026-11-01", ["filing.date_in_past", START], {
            "start_date": None, "category": "posted_worker", "treatment_area": "320500"}),
        ("12月1日", [MATERIALS], {"start_date": "2026-12-01"}),
    ])
    assert chat.steps[1].replies[0].params["category"] == "posted_worker"


def test_it_refuses_a_past_long_term_start_date_even_when_said_in_the_first_message():
    chat = Chat()
    play(chat, [
        ("公司派我去苏州工作，11月1日开始的", [INTRO, "filing.date_in_past", START], {"start_date": None}),
    ])


def test_it_drops_everything_and_submits_nothing_when_cancelled_midway():
    chat = Chat()
    last = play(chat, [
        ("公司派我去苏州工作一年", [INTRO, START], {}),
        ("12月1日", [MATERIALS], {}),
        ("取消", ["filing.cancelled"], {"treatment_area": None, "start_date": None}),
    ])
    assert last.effects == ()
    assert (chat.state.flow, chat.state.step, chat.state.slots) == (None, "idle", {})


def test_back_twice_undoes_the_last_two_answers_in_order_and_keeps_earlier_ones():
    chat = Chat()
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("苏州", [GROUP], {}),
        (n(1), [CATEGORY], {"category_group": "long_term"}),
        (n(3), [START], {"category": "posted_worker"}),
        ("返回", ["common.went_back", CATEGORY], {"category": None, "category_group": "long_term"}),
        ("返回", ["common.went_back", GROUP], {"category_group": None, "treatment_area": "320500"}),
    ])


def test_back_at_the_first_question_says_so_and_stays():
    chat = Chat()
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("返回", ["common.at_first_step", TREATMENT], {"principal": "self", "insured_area": "210100"}),
    ])
    assert chat.state.step == "treatment_area"


def test_restart_clears_the_answers_but_keeps_what_the_profile_knows():
    chat = Chat()
    play(chat, [
        ("公司派我去苏州工作一年", [INTRO, START], {}),
        ("12月1日", [MATERIALS], {}),
        ("重新开始", ["common.restarted", TREATMENT], {}),
    ])
    assert chat.slots == {"principal": "self", "insured_area": "210100"}
    assert chat.state.undo == []


def test_it_shows_who_filed_the_existing_filing_for_the_same_city_and_when_and_a_change_replaces_it():
    chat = Chat(context(filings={"self": [existing_filing()]}))
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("深圳", ["filing.ask_existing_action"], {"treatment_area": "440300"}),
    ])
    asked = chat.steps[-1].replies[-1]
    assert (asked.params["filed_by"], asked.params["filed_by_name"], asked.params["submitted_on"]) == (
        "child", "张*", "2025-01-01")
    assert (asked.params["reference"], asked.params["locked"]) == ("BA20250101-0001", False)
    assert "张*" in chat.text() and "2025-01-01" in chat.text()
    assert chat.state.offered == ["change", "other_area", "stop"]
    play(chat, [("变更", [GROUP], {"existing_action": "change", "replaces": "BA20250101-0001"})])


def test_it_lets_the_person_pick_another_city_instead_of_changing_the_existing_filing():
    chat = Chat(context(filings={"self": [existing_filing()]}))
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("深圳", ["filing.ask_existing_action"], {}),
        (n(2), [TREATMENT], {"treatment_area": None}),
        ("苏州", [GROUP], {"treatment_area": "320500", "replaces": None}),
    ])


def test_it_offers_no_change_while_the_existing_filing_is_locked():
    from datetime import date

    chat = Chat(context(filings={"self": [existing_filing(lock_until=date(2027, 1, 5))]}))
    play(chat, [("我要办备案", [INTRO, TREATMENT], {}), ("深圳", ["filing.ask_existing_action"], {})])
    assert chat.steps[-1].replies[-1].params["locked"] is True
    assert chat.state.offered == ["other_area", "stop"]


def test_it_says_until_when_the_filing_is_locked_when_the_person_types_change():
    from datetime import date

    chat = Chat(context(filings={"self": [existing_filing(lock_until=date(2027, 1, 5))]}))
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("深圳", ["filing.ask_existing_action"], {}),
        ("变更", ["filing.change_locked", "filing.ask_existing_action"], {"replaces": None}),
    ])
    assert chat.steps[-1].replies[0].params == {"lock_until": "2027-01-05"}


def test_it_asks_for_a_number_in_range_when_the_choice_is_out_of_range():
    chat = Chat()
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("苏州", [GROUP], {}),
        ("5", ["common.choose_between", GROUP], {"category_group": None}),
        (n(7), ["common.choose_between", GROUP], {"category_group": None}),
    ])
    assert chat.steps[-1].replies[0].params == {"n": 2}


def test_help_explains_the_current_question_and_asks_it_again():
    chat = Chat()
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("苏州", [GROUP], {}),
        ("帮助", ["filing.help_category_group", GROUP], {"treatment_area": "320500"}),
    ])


def test_asking_for_a_human_records_a_callback_and_keeps_the_step():
    chat = Chat()
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("苏州", [GROUP], {}),
        ("转人工", ["common.human_recorded", GROUP], {"treatment_area": "320500"}),
    ])
    assert chat.steps[-1].effects == (RequestCallback("filing", "category_group"),)
    assert chat.state.step == "category_group"


def test_large_text_switches_the_mode_and_offers_at_most_four_choices_from_then_on():
    members = tuple(Member(person_id=i, relation=r, name_masked=f"李{i}*")
                    for i, r in enumerate(("mother", "father", "spouse", "child", "other"), start=1))
    chat = Chat(context(members=members))
    play(chat, [("我要办备案", [INTRO, "filing.ask_principal"], {})])
    assert len(chat.state.offered) == 6
    play(chat, [("大字", ["common.large_text_on", "filing.ask_principal"], {})])
    assert chat.steps[-1].effects == (SetLargeText(True),)
    assert chat.state.large_text is True
    assert len(chat.steps[-1].replies[-1].choices) == 4 and len(chat.state.offered) == 4
    play(chat, [(n(1), [TREATMENT], {"principal": "self"})])
    assert chat.state.large_text is True


def test_a_relative_who_has_not_consented_is_named_and_the_principal_is_asked():
    chat = Chat(context(members=()))
    play(chat, [("帮我爸办备案", [INTRO, "filing.ask_principal"], {"wanted_relation": "father", "principal": None})])
    assert chat.steps[-1].replies[-1].params == {"wanted": "father", "linked": False}
    assert chat.state.offered == ["self", "stop"]
    play(chat, [(n(1), [TREATMENT], {"principal": "self", "wanted_relation": None, "insured_area": "210100"})])


def test_a_bare_request_to_file_for_dad_starts_the_filing_and_asks_for_whom():
    chat = Chat(context(members=()))
    play(chat, [("帮我爸办", [INTRO, "filing.ask_principal"], {"wanted_relation": "father"})])
    assert chat.steps[-1].replies[-1].params == {"wanted": "father", "linked": False}


def test_an_unbound_user_binds_in_the_conversation_and_what_they_said_is_kept_for_the_filing():
    chat = Chat(context(bound=False, check_id_number=lambda n: None if n.endswith("0023") else "id_number_checksum"))
    play(chat, [
        ("公司派我去苏州工作一年", ["bind.intro", "bind.ask_name"], {}),
        ("我叫李强", ["bind.ask_insured_area"], {"name": "李强"}),
        ("合肥", ["bind.ask_id_number"], {"insured_area": "340100"}),
        ("210102195803120024", ["bind.bad_id_number", "bind.ask_id_number"], {}),
    ])
    last = chat.say("210102195803120023")
    from dialogs.types import BindIdentity
    assert last.effects == (BindIdentity("李强", "210102195803120023", "340100"),)
    # The number lives only in the effect: nothing of it stays in the session.
    assert "210102195803120023" not in repr(chat.state.to_dict())
    assert (chat.state.memory["treatment_area"], chat.state.memory["category"]) == ("320500", "posted_worker")
    assert chat.state.offered == ["filing"]


def test_editing_the_treatment_area_from_the_confirmation_keeps_every_other_answer():
    chat = Chat()
    play(chat, [
        ("公司派我去苏州工作一年", [INTRO, START], {}),
        ("12月1日", [MATERIALS], {}),
        (n(1), [LETTER], {}),
        (n(1), [PHONE], {}),
        (n(1), [CONFIRM], {}),
        ("修改", ["filing.ask_edit_field"], {"editing": True}),
        ("就医地", [TREATMENT], {"treatment_area": None}),
        ("杭州", [CONFIRM], {"treatment_area": "330100", "category": "posted_worker", "start_date": "2026-12-01",
                            "materials": "commitment_letter", "phone": "profile"}),
    ])
    assert chat.steps[-1].replies[-1].params["treatment"] == "杭州市"
    last = play(chat, [(n(1), [], {})])
    slots = submitted(last)
    assert (slots["treatment_area"], slots["category"], slots["start_date"]) == ("330100", "posted_worker", "2026-12-01")


def test_the_submitted_slots_hold_no_bookkeeping_or_empty_values_after_an_edit():
    chat = Chat()
    last = play(chat, [
        ("公司派我去苏州工作一年", [INTRO, START], {}), ("12月1日", [MATERIALS], {}), (n(1), [LETTER], {}),
        (n(1), [PHONE], {}),
        (n(1), [CONFIRM], {}), (n(2), ["filing.ask_edit_field"], {}), (n(1), [TREATMENT], {}),
        ("杭州", [CONFIRM], {}), (n(1), [], {}),
    ])
    slots = submitted(last)
    assert "editing" not in slots and None not in slots.values()


def test_a_mother_linked_by_consent_can_be_chosen_by_number():
    chat = Chat(context(members=(MOTHER,), insured={"self": "131000", "member:7": "210100"}))
    play(chat, [
        ("我要办备案", [INTRO, "filing.ask_principal"], {}),
        (n(2), [TREATMENT], {"principal": "member:7", "insured_area": "210100"}),
    ])


def test_an_area_without_online_filing_for_a_category_says_so():
    rules = {"210100": area_rules("210100", categories=("posted_worker", "emergency"))}
    chat = Chat(context(rules=rules))
    play(chat, [
        ("我要办备案", [INTRO, TREATMENT], {}),
        ("苏州", [GROUP], {}),
        (n(1), [CATEGORY], {}),
    ])
    assert chat.state.offered == ["posted_worker"]
    play(chat, [("退休后搬过去住", ["filing.category_not_offered", CATEGORY], {"category": None})])


def test_back_right_after_the_first_message_undoes_what_it_said_but_keeps_the_profile():
    chat = Chat()
    chat.say("公司派我去苏州工作一年")
    assert chat.slots["treatment_area"] == "320500" and chat.slots["category"] == "posted_worker"
    step = chat.say("返回")
    assert "common.went_back" in chat.prompts(step)
    assert "treatment_area" not in chat.slots and "category" not in chat.slots
    assert chat.slots["principal"] == "self" and chat.slots["insured_area"] == "210100"
    assert chat.state.step == "treatment_area"


# --- issue 17: a confirmation that means it; one long-term filing at a time -----------------------

def test_the_summary_lists_each_field_on_its_own_line_and_the_lock_date_before_submitting():
    chat = Chat()
    step = play(chat, [
        ("公司派我去苏州工作一年", [INTRO, START], {}), ("12月1日", [MATERIALS], {}), (n(1), [LETTER], {}),
        (n(1), [PHONE], {}), (n(1), [CONFIRM], {}),
    ])
    lines = chat.text(step).splitlines()
    for label, value in (("为谁", "本人"), ("参保地", "沈阳市"), ("就医地", "苏州市"), ("类别", "常驻异地工作人员"),
                         ("有效期", "2026-12-01起长期有效"), ("材料", "个人承诺书"), ("电话", "138****0001")):
        assert any(line.startswith(f"{label}：") and value in line for line in lines), (label, lines)
    # Told before submitting, not after: the rules' lock for a letter signed today (沈阳: 6 months).
    assert any("提交后到2027-05-22前不能变更或取消" in line for line in lines)
    assert submitted(step) is None


def test_a_second_long_term_filing_in_another_city_shows_the_first_and_needs_an_explicit_choice():
    shenzhen = existing_filing(lock_until=None, filed_by="child", filed_by_name_masked="张*")
    chat = Chat(context(filings={"self": [shenzhen]}))
    step = play(chat, [("公司派我去苏州工作一年", [INTRO, "filing.ask_existing_action"], {})])
    text = chat.text(step)
    assert "深圳市" in text and "BA20250101-0001" in text and "同一时间只能有一个长期备案" in text
    assert chat.state.offered == ["change", "stop"]
    # Anything but the explicit change keeps the first filing and files nothing.
    for said in ("好吧", "嗯", "这是什么意思"):
        step = chat.say(said)
        assert submitted(step) is None and chat.state.step == "existing_action"
    step = chat.say(n(1))
    assert chat.slots["replaces"] == "BA20250101-0001"


def test_keeping_the_first_long_term_filing_ends_without_filing_anything():
    chat = Chat(context(filings={"self": [existing_filing(lock_until=None)]}))
    chat.say("公司派我去苏州工作一年")
    step = chat.say(n(2))
    assert chat.prompts(step) == ["filing.kept_existing"] and step.effects == () and chat.state.flow is None


def test_a_locked_first_filing_is_named_with_its_lock_and_no_change_is_offered():
    chat = Chat(context(filings={"self": [existing_filing(lock_until=date(2027, 3, 1))]}))
    step = chat.say("公司派我去苏州工作一年")
    assert "2027-03-01" in chat.text(step) and chat.state.offered == ["stop"]
