"""The chronic-disease flow: which disease, where; the verdict comes from the backend."""
from dialogs.types import CheckChronic
from tests.dialogs.support import MOTHER, Chat, institution_context


def test_the_shenyang_dialysis_question_reaches_a_verdict_without_asking_anything():
    chat = Chat(institution_context(filed_area=None))
    step = chat.say("我在沈阳参保，在深圳透析，能直接结算吗")
    assert step.effects == (CheckChronic("self", "uraemia_dialysis", "440300"),)
    assert chat.prompts(step) == ["chronic.intro"]
    assert chat.state.flow is None


def test_it_asks_only_for_the_place_when_there_is_no_filing_to_take_it_from():
    chat = Chat(institution_context(filed_area=None))
    step = chat.say("我能在外地拿降压药直接结算吗")
    assert chat.prompts(step) == ["chronic.intro", "chronic.ask_area"]
    assert chat.slots["disease"] == "hypertension"
    step = chat.say("深圳")
    assert step.effects == (CheckChronic("self", "hypertension", "440300"),)


def test_the_filed_city_is_used_when_the_person_does_not_say_one():
    chat = Chat(institution_context(filed_area="440300"))
    step = chat.say("我的高血压能直接结算吗")
    assert step.effects == (CheckChronic("self", "hypertension", "440300"),)


def test_an_unknown_disease_word_asks_again_with_examples_and_keeps_the_place():
    chat = Chat(institution_context(filed_area=None))
    step = chat.say("慢特病在深圳能结算吗")
    assert chat.prompts(step) == ["chronic.intro", "chronic.ask_disease"]
    step = chat.say("头疼脑热")
    assert chat.prompts(step) == ["chronic.unknown_disease", "chronic.ask_disease"]
    assert step.replies[0].params["examples"]
    assert chat.slots["area"] == "440300"
    step = chat.say("血糖高")
    assert step.effects == (CheckChronic("self", "diabetes", "440300"),)


def test_a_son_asking_about_his_mother_checks_her():
    chat = Chat(institution_context(members=(MOTHER,), filed_area=None))
    step = chat.say("我妈在深圳透析，能直接结算吗")
    assert step.effects == (CheckChronic(f"member:{MOTHER.person_id}", "uraemia_dialysis", "440300"),)
