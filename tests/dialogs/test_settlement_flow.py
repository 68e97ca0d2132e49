"""The settlement flow: 会不会直接结算 / 大概花多少钱 — which care, which institution, how much."""
from decimal import Decimal

import pytest

from dialogs.flows.settlement import parse_amount
from dialogs.types import CheckSettlement
from tests.dialogs.support import Chat, institution_context


def test_a_cost_question_asks_care_institution_and_amount_then_asks_the_backend():
    chat = Chat(institution_context())
    step = chat.say("住院大概要花多少钱，能报多少")
    assert chat.prompts(step) == ["settlement.intro", "institution.ask_institution"]
    step = chat.say("1")
    assert chat.prompts(step) == ["settlement.ask_amount"]
    step = chat.say("挺贵的")
    assert chat.prompts(step) == ["settlement.bad_amount", "settlement.ask_amount"]
    assert chat.slots["institution"] == "H1"  # the answers so far are kept
    step = chat.say("三千块吧")
    assert step.effects == (CheckSettlement("self", "H1", "inpatient", None, "3000"),)
    assert chat.state.flow is None


def test_will_it_settle_does_not_ask_for_money():
    chat = Chat(institution_context())
    chat.say("到时候能不能直接结算")
    chat.say("2")  # outpatient
    step = chat.say("1")
    assert step.effects == (CheckSettlement("self", "H1", "outpatient", None, None),)


def test_an_amount_with_a_unit_said_in_passing_is_kept_and_not_asked_again():
    chat = Chat(institution_context())
    chat.say("住院大概花2万，能报多少")
    step = chat.say("1")
    assert step.effects == (CheckSettlement("self", "H1", "inpatient", None, "20000"),)


def test_skip_gives_the_verdict_without_an_estimate():
    chat = Chat(institution_context())
    chat.say("看门诊自己要付多少")
    chat.say("1")
    step = chat.say("不知道")
    assert step.effects == (CheckSettlement("self", "H1", "outpatient", None, None),)


def test_the_menu_offers_it_as_the_fourth_choice():
    chat = Chat(institution_context())
    chat.say("你好")
    step = chat.say("4")
    assert chat.prompts(step)[:2] == ["settlement.intro", "institution.ask_care"]


@pytest.mark.parametrize("text, amount", [
    ("3000", "3000"), ("3000元", "3000"), ("大概2万", "20000"), ("1.5万", "15000"), ("3千", "3000"),
    ("1,200.50", "1200.50"), ("两万", "20000"), ("三千五百", "3500"), ("一万二", "12000"), ("没钱", None),
])
def test_amounts_are_read_from_plain_words(text, amount):
    found = parse_amount(text)
    assert found == (None if amount is None else Decimal(amount))


def test_a_zero_amount_is_asked_again():
    chat = Chat(institution_context())
    chat.say("住院大概要花多少钱，能报多少")
    chat.say("1")
    step = chat.say("0")
    assert chat.prompts(step) == ["settlement.bad_amount", "settlement.ask_amount"]
