"""Numbers as people say and type them: amounts of money ("5万", "一万二", "￥3000") and phone digits read aloud.

Pure functions shared by the chat's NLU and the pages, so "5万" means 50000 yuan on every channel.
Chinese numerals with place values are read by ``cn2an``; an Arabic figure with a unit ("1.2万") is
computed here in Decimal, because cn2an returns floats and money is Decimal.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import cn2an

# No visit costs a billion yuan: a longer figure is a slip (or a phone number), not an amount.
MAX_AMOUNT = Decimal(10) ** 9

_UNITS = {"百": Decimal(100), "千": Decimal(1000), "k": Decimal(1000), "万": Decimal(10000), "w": Decimal(10000),
          "亿": Decimal(10) ** 8}
_DIGITS = "零〇一二两三四五六七八九十"
_NUMERALS = _DIGITS + "百千万亿点"
# A figure: Arabic digits (a decimal point, thousands commas) or Chinese numerals, mixed as people write them
# ("3千5", "1万2"), and the unit a person may append ("5万", "2k").
_FIGURE = re.compile(rf"(?<![\d.])([{_NUMERALS}\d.]*[{_NUMERALS}][{_NUMERALS}\d.]*|\d[\d,]*(?:\.\d+)?)([kw]?)",
                     re.IGNORECASE)
_MONEY_BEFORE = ("¥", "rmb", "人民币")
_MONEY_AFTER = ("元", "块", "圆", "万", "千", "rmb", "yuan", "kuai", "cny")
# A figure right after one of these is a day, not yuan ("礼拜二", "下周三", "12月16", "dec 16", "the 28th").
_NOT_MONEY_BEFORE = re.compile(r"(?:礼拜|星期|周|月|第|号|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|"
                               r"january|february|march|april|june|july|august|september|october|november|december|"
                               r"the|on|till|until|from)\.?\s*$")
# "三四百块": two neighbouring numerals before a place value are a range; its middle is the figure people mean.
_RANGE = re.compile(r"([一二三四五六七八九])([一二三四五六七八九])([十百千万])")
# A figure followed by one of these counts days, years or times, not yuan ("住院10天", "2026年").
_NOT_MONEY_AFTER = ("年", "月", "日", "号", "岁", "天", "次", "个", "周", "小时", "分", "点", "%", "％", "人", "家")
_MINUS = ("-", "负", "减")

_SPOKEN = {"幺": "1", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7",
           "八": "8", "九": "9", "〇": "0", "零": "0", "洞": "0", "○": "0"}
_DIGIT_RUN = re.compile("[0-9０-９" + "".join(_SPOKEN) + "]{2,}")


def parse_amount(text: str | None) -> Decimal | None:
    """Return the amount of money in ``text`` in yuan, or None when it names none (or a negative or absurd one)."""
    if not text:
        return None
    plain = unicodedata.normalize("NFKC", text).replace("，", ",").lower()
    # "九百九十九块五" is 999.5: a digit after 块 (or 元) is jiao, tenths of a yuan.
    plain = re.sub(r"(?<=[\d零〇一二两三四五六七八九十百千万])[块元]([一二三四五六七八九\d])(?:毛|角)?(?![\d十百千万])", r"点\1", plain)
    plain = _RANGE.sub(_middle_of_range, plain)
    found = []
    for match in _FIGURE.finditer(plain):
        figure, unit = match.group(1), match.group(2)
        if not any(ch.isdigit() or ch in _DIGITS for ch in figure):
            continue  # place words alone ("千万别", "百") name no figure
        if figure.endswith("点") and not unit:
            continue  # a time of day ("三点")
        before, after = plain[:match.start()].rstrip(), plain[match.end():].lstrip()
        if before.endswith(_MINUS):
            return None
        if _glued_to_letters(plain, match.start(), match.end()):
            continue  # "1e30", "A123", "12kg": a code or a figure of something else
        if after.startswith(_NOT_MONEY_AFTER) and not unit:
            continue
        if _NOT_MONEY_BEFORE.search(before) and not after.startswith(_MONEY_AFTER) and not unit:
            continue
        value = _figure_value(figure.strip(",."), unit)
        if value is None:
            continue
        marked = before.endswith(_MONEY_BEFORE) or after.startswith(_MONEY_AFTER) or bool(unit) or \
            any(u in figure for u in "万千百亿")
        found.append((marked, value))
    if not found:
        return None
    # Prefer a figure that says it is money ("住院10天花了2万" is 20000, not 10); after a correction cue
    # ("啥2块钱 俺说的是三四百块", "not 16, 3000 yuan") the last one is what the person means.
    marked = [v for is_marked, v in found if is_marked]
    value = (marked[-1] if _CORRECTING.search(plain) else marked[0]) if marked else found[0][1]
    if value < 0 or value > MAX_AMOUNT:
        return None
    return value.quantize(Decimal("0.01")).normalize() if value != value.to_integral() else value.quantize(Decimal(1))


_CORRECTING = re.compile(r"说的是|是说|不是|改成|应该是|而是|我是说|\bnot\b|i mean|actually|rather")


def _middle_of_range(match: re.Match) -> str:
    low, high = "一二三四五六七八九".index(match.group(1)) + 1, "一二三四五六七八九".index(match.group(2)) + 1
    if high != low + 1:
        return match.group(0)
    place = {"十": 10, "百": 100, "千": 1000, "万": 10000}[match.group(3)]
    return str((low * place + high * place) // 2)


def _glued_to_letters(plain: str, start: int, end: int) -> bool:
    """Return whether a figure touches Latin letters other than "rmb" (plain is lower case)."""
    before = plain[start - 1] if start else ""
    after = plain[end] if end < len(plain) else ""
    return ("a" <= before <= "z" and not plain[:start].endswith("rmb")) or \
        ("a" <= after <= "z" and not plain[end:].startswith("rmb"))


def _figure_value(figure: str, unit: str) -> Decimal | None:
    multiplier = _UNITS.get(unit, Decimal(1))
    arabic = re.fullmatch(r"(\d[\d,]*(?:\.\d+)?)([百千万亿]?)", figure)
    try:
        if arabic:
            number = Decimal(arabic.group(1).replace(",", ""))
            return number * _UNITS.get(arabic.group(2), Decimal(1)) * multiplier
        value = cn2an.cn2an(figure, "smart")
    except (ValueError, InvalidOperation, KeyError, IndexError):
        return None
    return Decimal(str(value)) * multiplier


def spoken_digits(text: str | None) -> str:
    """Return ``text`` with digits read one by one ("幺三八零…") written as ASCII digits ("138 0…")."""
    if not text:
        return ""
    # Only runs of two or more digits are a number read aloud; "一下" or "两个" stay words, and the rest of
    # the text is left as typed (full-width digits become ASCII, full-width punctuation stays).
    return _DIGIT_RUN.sub(lambda m: "".join(_SPOKEN.get(ch) or unicodedata.normalize("NFKC", ch)
                                            for ch in m.group(0)), text)
