"""Amounts and phone digits as people say and type them (dialogs.nlu_numbers)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.nlu_numbers import MAX_AMOUNT, parse_amount, spoken_digits


@pytest.mark.parametrize("said, yuan", [
    ("5万", "50000"), ("5万元", "50000"), ("1.2万", "12000"), ("两万", "20000"), ("三千五百", "3500"),
    ("一万二", "12000"), ("12,000", "12000"), ("12，000元", "12000"), ("￥3000", "3000"), ("¥3000", "3000"),
    ("２００００", "20000"), ("20000", "20000"), ("3千5", "3500"), ("2k", "2000"), ("99.5", "99.5"),
    ("大概两万块钱", "20000"), ("RMB 3000", "3000"), ("3000rmb", "3000"), ("一千二百五十元", "1250"), ("二十万零五百", "200500"), ("10亿", "1000000000"),
])
def test_it_reads_an_amount_written_or_said_in_any_of_the_usual_ways(said, yuan):
    assert parse_amount(said) == Decimal(yuan)


def test_it_prefers_the_figure_that_says_it_is_money():
    assert parse_amount("住院10天花了2万") == Decimal(20000)
    assert parse_amount("2026年1月住院，花了三千五") == Decimal(3500)


@pytest.mark.parametrize("said", ["", None, "abc", "不知道", "千万别算错", "2026年1月", "下午三点", "住院10天"])
def test_it_finds_no_amount_where_none_is_said(said):
    assert parse_amount(said) is None


@pytest.mark.parametrize("said", ["-5", "负五百", "13802415566", "1000000001", "20亿", "1e30", "1E5", "12kg", "A123"])
def test_it_refuses_a_negative_or_absurd_amount(said):
    assert parse_amount(said) is None


@given(st.integers(min_value=0, max_value=int(MAX_AMOUNT)))
def test_every_plain_figure_up_to_the_limit_reads_as_itself(n):
    assert parse_amount(str(n)) == Decimal(n)
    assert parse_amount(f"{n:,}元") == Decimal(n)


@given(st.text(max_size=40))
def test_any_text_gives_an_amount_within_the_limit_or_none(text):
    value = parse_amount(text)
    assert value is None or Decimal(0) <= value <= MAX_AMOUNT


@pytest.mark.parametrize("said, digits", [
    ("幺三八零二四一五五六六", "13802415566"),
    ("一三八〇二四一五五六六", "13802415566"),
    ("幺三八洞洞两四一五五六六", "13800241556" + "6"),
    ("电话是幺三八 零二四一 五五六六", "电话是138 0241 5566"),
    ("１３８零二四一5566", "13802415566"),
])
def test_it_writes_phone_digits_read_aloud_as_ascii_digits(said, digits):
    assert spoken_digits(said) == digits


def test_it_leaves_words_that_merely_contain_a_numeral_alone():
    assert spoken_digits("等一下，两个人") == "等一下，两个人"
    assert spoken_digits("") == "" and spoken_digits(None) == ""


# Found by personas: a weekday or a day of the month was read as the bill, and a range was not read at all.
@pytest.mark.parametrize("text, amount", [
    ("那礼拜二看门诊要是花个三四百块钱能报多少啊", "350"),
    ("啥2块钱 俺说的是三四百块", "350"),
    ("花了五六千", "5500"),
    ("ok so if i see a doctor on dec 16 and the bill is 3000 yuan, how much do i pay?", "3000"),
    ("no no, the bill is 3000 yuan, not 16", "3000"),
    ("下周三住院2万", "20000"),
    ("12月16号去看病花了300", "300"),
])
def test_a_day_is_not_the_bill_and_a_range_is_its_middle(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["礼拜二", "星期三去", "till the 28th", "dec 16"])
def test_a_day_alone_names_no_amount(text):
    assert parse_amount(text) is None
