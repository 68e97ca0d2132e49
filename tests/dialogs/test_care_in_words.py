"""The kind of care as people say it, in Chinese and English (from persona trials)."""
from dataclasses import replace

import pytest

from tests.dialogs.support import Chat
from tests.dialogs.test_prompts_catalogue import institution_context


@pytest.mark.parametrize("lang, words, care", [
    ("zh_CN", "大夫说可能得住几天院 换膝盖啥的", "inpatient"), ("zh_CN", "要住个院", "inpatient"),
    ("zh_CN", "住两天院观察", "inpatient"), ("en", "just seeing a doctor, not staying. my back is hurting", "outpatient"),
    ("en", "Outpatient I guess", "outpatient"), ("en", "I will be staying in the hospital for a week", "inpatient"),
    ("en", "only need a pharmacy", "pharmacy"),
])
def test_the_care_asked_for_is_understood(lang, words, care):
    chat = Chat(replace(institution_context(), lang=lang))
    chat.say("find a hospital" if lang == "en" else "找医院")
    assert chat.state.step == "care"
    chat.say(words)
    assert chat.state.slots.get("care") == care, words
