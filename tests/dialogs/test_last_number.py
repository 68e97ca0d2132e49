"""The state remembers the number the last message picked, whatever path the turn took (the quick-tap guard
compares the next message with it: tests/web/test_quick_tap.py)."""
from dialogs import engine

from tests.dialogs.support import Chat, context


def test_a_menu_tap_that_starts_a_flow_is_remembered():
    chat = Chat(context())
    step = chat.say("你好")
    assert step.state.offered, "the menu offers numbered choices"
    started = chat.say("1")
    assert started.state.flow is not None and started.state.last_number == 1


def test_a_tap_inside_a_flow_and_words_after_it():
    chat = Chat(context())
    chat.say("公司派我去苏州工作一年")
    step = chat.say({"choice": 1})
    assert step.state.last_number == 1
    assert chat.say("下个月1号").state.last_number is None  # words are not a number


def test_it_survives_being_stored():
    state = engine.DialogState(flow=None, last_number=2)
    assert engine.DialogState.from_dict(state.to_dict()).last_number == 2
    assert engine.DialogState.from_dict({"last_number": "2"}).last_number is None
