"""The visit day as people say it: "问下下周三" is next Wednesday; "不是今天去，是下礼拜三" means Wednesday.

Today is Monday 2026-12-07 in these sentences (from persona trials).
"""
from datetime import date

import pytest

from dialogs import nlu
from dialogs.flows.institution import visit_date
from tests.dialogs.support import context

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize("text, day", [
    ("问下下周三带我妈去住院能直接结吗", date(2026, 12, 16)), ("想问下下个月3号能不能结", date(2027, 1, 3)),
    ("下下周三去", date(2026, 12, 23)), ("下礼拜三", date(2026, 12, 16)),
])
def test_a_verb_with_xia_is_not_read_as_the_week_after_next(text, day):
    assert [m.value for m in nlu.find_dates(text, today=TODAY)][0] == day


@pytest.mark.parametrize("text, day", [
    ("俺不是今天去 是下礼拜三 那天呢", "2026-12-16"), ("我明天不去了，改成下周五", "2026-12-18"),
    ("明天去住院，后天出院", "2026-12-08"), ("不是明天，是后天", "2026-12-09"),
])
def test_the_day_meant_is_the_corrected_one(text, day):
    ctx = context(today=TODAY)
    assert visit_date(nlu.extract(text, today=TODAY, gazetteer=ctx.gazetteer), ctx)["visit_date"] == day
