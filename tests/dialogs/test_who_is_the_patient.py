"""Who a message is about: the relative who is the patient, not the one who acts or is merely mentioned.

From persona trials: a mother asking whether her son may file for her was told "孩子还没授权您代办"; a son
asking about his mother's dialysis "现在" was answered for himself.
"""
import pytest

from dialogs.nlu import _who


@pytest.mark.parametrize("text", [
    "俺儿子能不能替俺办这个备案", "不对啊 俺儿子说他给俺办了", "是不是我闺女用她手机给我弄的", "儿子帮我办的",
    "回头让沈阳那边亲戚去跑一趟", "叫我女儿帮忙弄一下", "跟女儿去深圳住", "来深圳带孙子",
])
def test_the_relative_who_acts_or_is_mentioned_is_not_the_patient(text):
    assert _who(text)[0] != "relative", text


@pytest.mark.parametrize("text, relation", [
    ("那现在我妈透析在深圳能直接结了吧", "mother"), ("下周三我带我妈去深圳市第二人民医院住院", "mother"),
    ("陪我爸去医院看病能直接结吗", "father"), ("帮我妈办备案", "mother"), ("给儿子办个备案", "child"),
    ("儿子能不能给我妈办", "mother"), ("正在给我爸弄备案", "father"),
])
def test_the_relative_who_is_the_patient_is_found(text, relation):
    assert _who(text) == ("relative", relation), text


@pytest.mark.parametrize("text, intent", [
    ("俺儿子能不能替俺办这个备案 他有那个啥 授权没有", "explain"), ("我女儿可以帮我办吗", "explain"),
    ("can my son file for me?", "explain"),
    ("不对啊 俺儿子说他给俺办了 是不是他用他手机办的", "who_filed"), ("俺闺女说她给我弄了", "who_filed"),
    ("是不是我老伴给办的", "who_filed"),
])
def test_asking_about_a_relative_who_acts_is_answered_as_such(text, intent):
    from datetime import date

    from dialogs import intents
    from tests.dialogs.support import gazetteer

    understood = intents.understand(text, today=date(2026, 12, 7), gazetteer=gazetteer())
    assert understood.intent == intent, text
    if intent == "explain":
        assert understood.slots["term"] == "consent"
