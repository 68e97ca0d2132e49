"""A province alone, where a place is asked, gets "which city?" in every flow that asks a place."""
import pytest

from tests.dialogs.support import Chat, institution_context, start_flow


# What each flow asks before the place.
EARLIER = {"institution": ["看门诊"], "chronic": ["高血压"]}


@pytest.mark.parametrize("flow, slot", [("institution", "area"), ("chronic", "area")])
def test_a_province_that_pools_by_city_is_asked_about_again_not_taken(flow, slot):
    # No filing to take the area from: the flow asks where, and the person names only a province.
    chat = Chat(institution_context(filed_area=None))
    step = start_flow(chat, flow)
    for answer in EARLIER[flow]:
        step = chat.say(answer)
    assert chat.state.step == slot, chat.prompts(step)
    step = chat.say("广东")
    assert "filing.which_city" in chat.prompts(step)
    assert chat.state.step == slot and not chat.slots.get(slot)
    assert "广东" in chat.text(step)
