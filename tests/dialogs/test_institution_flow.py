"""The institution flow: what care, where, which institution (at most four at a time)."""
from dialogs.types import CheckInstitution
from tests.dialogs.support import Chat, institution_context


def test_it_asks_the_care_then_offers_four_hospitals_of_the_filed_city_with_more_and_near():
    chat = Chat(institution_context())
    step = chat.say("帮我找家医院")
    assert chat.prompts(step) == ["institution.intro", "institution.ask_care"]
    step = chat.say("2")  # outpatient
    assert chat.prompts(step) == ["institution.ask_institution"]
    assert chat.state.offered == ["H1", "H2", "H3", "H4", "more", "near"]
    assert "北京大学深圳医院" in chat.text()


def test_more_shows_the_next_page_and_a_pick_asks_the_backend_to_check_it():
    chat = Chat(institution_context())
    chat.say("帮我找家医院")
    chat.say("2")
    chat.say("更多")
    assert chat.state.offered == ["H5", "H6", "near"]
    step = chat.say("1")
    assert step.effects == (CheckInstitution("self", "H5", "outpatient", None),)
    assert chat.state.flow is None


def test_a_disease_word_goes_straight_to_chronic_care_for_that_disease():
    searches = []
    chat = Chat(institution_context(searches=searches))
    step = chat.say("附近哪家医院能开降压药")
    assert chat.slots["care"] == "chronic" and chat.slots["disease"] == "hypertension"
    assert chat.prompts(step)[-1] == "institution.ask_institution"
    assert searches[-1]["disease"] == "hypertension" and searches[-1]["service"] is None


def test_near_me_uses_the_phones_location_when_it_was_sent():
    searches = []
    chat = Chat(institution_context(searches=searches, location=(22.54, 114.05)))
    chat.say("找医院")
    chat.say("住院")
    chat.say("离我近的")
    assert searches[-1]["location"] == (22.54, 114.05)
    assert "0.7公里" in chat.text()


def test_near_me_without_a_location_asks_for_the_district():
    chat = Chat(institution_context())
    chat.say("找医院")
    chat.say("住院")
    step = chat.say("附近的")
    assert chat.prompts(step) == ["institution.ask_district"]
    step = chat.say("火星区")
    assert chat.prompts(step) == ["institution.unknown_district", "institution.ask_district"]
    step = chat.say("南山区")
    assert chat.slots["district"] == "440305" and chat.prompts(step) == ["institution.ask_institution"]


def test_without_a_filing_it_asks_the_city_and_says_when_nothing_settles_there():
    chat = Chat(institution_context(filed_area=None))
    chat.say("找药店")
    assert chat.slots["care"] == "pharmacy"
    step = chat.say("苏州")
    assert chat.prompts(step) == ["institution.ask_institution"]
    assert step.replies[-1].params["empty"] is True
    assert chat.state.offered == ["near"]


def test_an_unknown_disease_asks_again_with_examples_and_keeps_the_care():
    chat = Chat(institution_context())
    chat.say("找医院")
    chat.say("3")
    step = chat.say("头疼")
    assert chat.prompts(step) == ["institution.unknown_disease", "institution.ask_disease"]
    assert chat.slots["care"] == "chronic"
    chat.say("透析")
    assert chat.slots["disease"] == "uraemia_dialysis"


def test_large_text_mode_shows_two_institutions_and_at_most_four_choices():
    chat = Chat(institution_context(large_text=True))
    chat.say("找医院")
    chat.say("2")
    assert chat.state.offered == ["H1", "H2", "more", "near"]


def test_the_menu_offers_the_institution_search():
    chat = Chat(institution_context())
    chat.say("你好")
    step = chat.say("2")
    assert chat.prompts(step) == ["institution.intro", "institution.ask_care"]
