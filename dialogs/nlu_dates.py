"""Date mentions in colloquial Chinese (and a little English), relative to a given day.

Year inference for a month/day without a year ("12月1日"): take this year,
unless that date lies more than ``PAST_GRACE_DAYS`` before today, then take
next year.  The grace window keeps recent past dates (an emergency admission
two weeks ago, a filing backdated within the month) in the current year.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

PAST_GRACE_DAYS = 30

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6,
             "天": 6, "末": 5, "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_N = r"(\d{1,2}|[零〇一二两三四五六七八九十廿卅]{1,3})"
_YEAR_WORDS = {"今年": 0, "明年": 1, "后年": 2, "去年": -1}
_DAY_WORDS = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0,
              "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
              "today": 0, "tomorrow": 1, "yesterday": -1, "dayaftertomorrow": 2}


def cn_to_int(s: str) -> int | None:
    """Convert ASCII digits or a Chinese numeral ("十二", "二〇二六") to int."""
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if all(c in _CN_DIGITS for c in s):
        # Digit-by-digit form, as in years written "二〇二六".
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, cur = 0, 0
    for c in s:
        if c in _CN_DIGITS:
            cur = _CN_DIGITS[c]
        elif c == "十":
            total, cur = total + (cur or 1) * 10, 0
        elif c in "廿卅":
            total, cur = total + (20 if c == "廿" else 30), 0
        elif c == "百":
            total, cur = total + (cur or 1) * 100, 0
        else:
            return None
    return total + cur


def safe_date(year: int | None, month: int | None, day: int | None) -> date | None:
    """Build a date, returning None instead of raising for impossible values."""
    try:
        return date(year, month, day)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def add_months(d: date, months: int) -> date | None:
    """Shift by calendar months, clamping the day to the target month's end."""
    y, m = divmod(d.month - 1 + months, 12)
    year = d.year + y
    if not 1 <= year <= 9999:
        return None
    return date(year, m + 1, min(d.day, calendar.monthrange(year, m + 1)[1]))


def _infer_year(month: int | None, day: int | None, today: date) -> date | None:
    this_year = safe_date(today.year, month, day)
    if this_year is None:
        return None
    if this_year < today - timedelta(days=PAST_GRACE_DAYS):
        return safe_date(today.year + 1, month, day)
    return this_year


def _day_in_month(base: date, day: int | None, part: str | None) -> date | None:
    if part in ("底", "末"):
        return base.replace(day=calendar.monthrange(base.year, base.month)[1])
    if part == "中":
        return base.replace(day=15)
    if day is None:
        return base.replace(day=1)
    return safe_date(base.year, base.month, day)


@dataclass(frozen=True)
class DateMention:
    """A date phrase found in text; value is None when the date is impossible."""

    start: int
    end: int
    value: date | None
    explicit_year: bool


def _abs_ymd(m, today):
    return safe_date(cn_to_int(m[1]), cn_to_int(m[2]), cn_to_int(m[3])), True


def _year_md(m, today):
    month, day = cn_to_int(m[2]), cn_to_int(m[3])
    if m[1]:
        return safe_date(today.year + _YEAR_WORDS[m[1]], month, day), True
    return _infer_year(month, day, today), False


def _year_month(m, today):
    base = safe_date(today.year + _YEAR_WORDS[m[1]], cn_to_int(m[2]), 1)
    return (_day_in_month(base, None, m[3]) if base else None), True


def _rel_month(m, today):
    offset = {"下下": 2, "下": 1, "这": 0, "本": 0, "上": -1}[m[1]]
    if offset == 0 and not (m[2] or m[3]):
        return None, True  # "这个月" alone names no day
    base = add_months(today.replace(day=1), offset)
    return (_day_in_month(base, cn_to_int(m[2]), m[3]) if base else None), True


def _week(m, today):
    wd = _WEEKDAYS[m[3]]
    if not m[1]:
        # A bare "周五" means the next such day, today included.
        return today + timedelta(days=(wd - today.weekday()) % 7), True
    weeks = {"下下": 2, "下": 1, "这": 0, "本": 0, "上": -1}[m[1]]
    # Weeks run Monday to Sunday, so on a Sunday "下周一" is tomorrow.
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks + wd), True


def _day_word(m, today):
    return today + timedelta(days=_DAY_WORDS[m[1].replace(" ", "")]), True


def _after(m, today):
    n = 0.5 if m[1] == "半" else cn_to_int(m[1])
    if n is None or n > 3650:
        return None, True
    unit = m[2]
    if unit in ("天", "日"):
        return today + timedelta(days=int(n)), True
    if unit in ("周", "星期", "礼拜"):
        return today + timedelta(days=int(7 * n)), True
    if unit == "年":
        return add_months(today, int(12 * n)), True
    if n == 0.5:
        return today + timedelta(days=15), True
    return add_months(today, int(n)), True


def _day_only(m, today):
    day = cn_to_int(m[1])
    this_month = safe_date(today.year, today.month, day)
    if this_month is not None and this_month >= today:
        return this_month, False
    nxt = add_months(today.replace(day=1), 1)
    return (safe_date(nxt.year, nxt.month, day) if nxt else None), False


# Ordered most specific first: each match masks its span for later patterns,
# so "2026年12月1日" is never re-read as "1日", nor "2月30日" as "30日".
_PATTERNS = [
    (re.compile(r"(?<!\d)(\d{4}|[零〇一二三四五六七八九]{4})\s*[年\-/.]\s*" + _N
                + r"\s*[月\-/.]\s*" + _N + r"(?!\d)\s*[日号]?"), _abs_ymd),
    (re.compile(r"(今年|明年|后年|去年)?(?<!\d)" + _N + r"\s*月\s*" + _N + r"(?!\d)\s*[日号]?"),
     _year_md),
    (re.compile(r"(今年|明年|后年)" + _N + r"\s*月份?(初|底|末|中)?"), _year_month),
    (re.compile(r"(下下|下|这|本|上)个?月(?:份)?\s*(?:" + _N + r"\s*[日号]|(初|底|末|中))?"),
     _rel_month),
    (re.compile(r"(下下|下|这|本|上)?个?(周|星期|礼拜)([一二三四五六日天末1-7])"), _week),
    (re.compile(r"(大前天|前天|昨天|昨日|今天|今日|明天|明日|大后天|后天|"
                r"day after tomorrow|today|tomorrow|yesterday)"), _day_word),
    (re.compile(r"(?:过\s*)?(\d{1,4}|[一二两三四五六七八九十百]{1,4}|半)\s*个?多?\s*"
                r"(天|日|周|星期|礼拜|月|年)(?:以后|之后|后)"), _after),
    (re.compile(r"(?<![\d月第])" + _N + r"\s*[号日](?!子|本|元|游|线|楼|码|床|窗|门|报)"),
     _day_only),
]


_MONTHS = {m: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for m in names}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_EN_WEEKDAYS = {d: i for i, names in enumerate((
    ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"), ("thu", "thur", "thurs", "thursday"),
    ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday"))) for d in names}
_EN_WEEKDAY_RE = "|".join(sorted(_EN_WEEKDAYS, key=len, reverse=True))
# Fixed-date holidays people name as dates (春节 moves with the lunar calendar, so it is not here).
_HOLIDAYS = {"元旦": (1, 1), "五一": (5, 1), "劳动节": (5, 1), "国庆": (10, 1), "国庆节": (10, 1),
             "new year's day": (1, 1), "new year": (1, 1)}


def _en_month_day(m, today):
    month = _MONTHS[m["m1"] or m["m2"]]
    day = int(m["d1"] or m["d2"])
    if m["y"]:
        return safe_date(int(m["y"]), month, day), True
    return _infer_year(month, day, today), False


def _en_weekday(m, today):
    weekday = _EN_WEEKDAYS[m[2]]
    if m[1] == "next":
        # Like 下周一: weeks run Monday to Sunday, so on a Sunday "next Monday" is tomorrow.
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(days=7 + weekday), False
    return today + timedelta(days=(weekday - today.weekday()) % 7), False


def _en_day_of_month(m, today):
    """"the 5th of next month", "next month on the 5th", "on the 20th" (the next 20th, today included)."""
    day = int(m["d"] or m["d2"])
    if m["rel"] or m["rel2"]:
        base = add_months(today.replace(day=1), {"next": 1, "this": 0}[m["rel"] or m["rel2"]])
        return (safe_date(base.year, base.month, day) if base else None), True
    found = safe_date(today.year, today.month, day)
    if found is None or found < today:
        base = add_months(today.replace(day=1), 1)
        found = safe_date(base.year, base.month, day) if base else None
    return found, False


def _holiday(m, today):
    month, day = _HOLIDAYS[m[1]]
    return _infer_year(month, day, today), False


def _year_end(m, today):
    years = _YEAR_WORDS[m[1]] if m[1] else 0
    return (date(today.year + years, 12, 31) if m[2] in ("年底", "年末", "底") else date(today.year + years, 1, 1)), bool(m[1])


_PATTERNS += [
    (re.compile(r"(今年|明年|后年)(年底|年末|底|年初|初)(?!\s*\d)"), _year_end),
    (re.compile(r"\b(?:(?P<m1>" + _MONTH_RE + r")\.?\s*(?P<d1>\d{1,2})(?:st|nd|rd|th)?|(?:the\s+)?(?P<d2>\d{1,2})"
                r"(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<m2>" + _MONTH_RE + r")\b\.?)(?:,?\s*(?P<y>\d{4}))?"),
     _en_month_day),
    (re.compile(r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)(?:\s+of\s+(?P<rel>next|this)\s+month)?\b|"
                r"\b(?P<rel2>next|this)\s+month\s+on\s+the\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?\b"), _en_day_of_month),
    (re.compile(r"\b(next|this|coming|on)?\s*(" + _EN_WEEKDAY_RE + r")\b"), _en_weekday),
    (re.compile("(" + "|".join(sorted(_HOLIDAYS, key=len, reverse=True)) + ")"), _holiday),
]


# A length ("三周", "两个礼拜", "一个月"), never a date ("11月27号": a month needs 个; "2026年" is a year).
_DURATION = re.compile(r"(?<![\d月年.\-/])(\d{1,3}|[一二两三四五六七八九十]{1,3}|半)\s*(?:个\s*(月|星期|礼拜)|(天|周|星期|礼拜|年))"
                       r"(?!\s*\d)(?:左右|上下|多)?(?!\s*(?:以后|之后|后|前|以前|底|初|末))")
_DURATION_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7}
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}
_EN_DURATION = re.compile(r"\b(\d{1,3}|a|an|one|two|three|four|five|six|ten)\s+(day|week|month|year)s?\b")


def duration_end(text: str, start: date) -> date | None:
    """Return the last day of a stay said as a length ("两个礼拜", "一个月左右") from its first day."""
    plain = unicodedata.normalize("NFKC", text or "").lower()
    english = _EN_DURATION.search(plain)
    if english:
        amount = _EN_NUMBERS.get(english[1]) or int(english[1]) if english[1].isdigit() or english[1] in _EN_NUMBERS \
            else None
        unit = {"day": "天", "week": "周", "month": "个月", "year": "年"}[english[2]]
        plain = f"{amount}{unit}" if amount else ""
    m = _DURATION.search(plain)
    if not m:
        return None
    amount = 0.5 if m[1] == "半" else cn_to_int(m[1])
    if not amount:
        return None
    unit = m[2] or m[3]
    if unit == "月" and amount == 0.5:
        return start + timedelta(days=15)
    if unit in _DURATION_DAYS:
        return start + timedelta(days=int(amount * _DURATION_DAYS[unit]))
    months = int(amount * (12 if unit == "年" else 1)) or 1
    return add_months(start, months)


_VERB_XIA = re.compile(r"(?<=[问看查说想等试算瞧聊讲])下(?=下(?:周|礼拜|星期|个?月))")


def find_dates(text: str, *, today: date) -> list[DateMention]:
    """Return every date mention in text order (value None when impossible)."""
    work = unicodedata.normalize("NFKC", text).lower()
    # "问下下周三" is "问一下 下周三": after such a verb the first 下 is "一下" (same length kept, positions hold).
    work = _VERB_XIA.sub(" ", work)
    mentions = []
    for pattern, convert in _PATTERNS:
        for m in pattern.finditer(work):
            if "\x00" in m[0]:
                continue
            value, explicit = convert(m, today)
            mentions.append(DateMention(m.start(), m.end(), value, explicit))
        for dm in mentions:
            work = work[:dm.start] + "\x00" * (dm.end - dm.start) + work[dm.end:]
    mentions.sort(key=lambda d: d.start)
    return mentions


def parse_date(text: str, *, today: date) -> date | None:
    """Return the first valid date mentioned in text, relative to today."""
    for mention in find_dates(text, today=today):
        if mention.value is not None:
            return mention.value
    return None


# --- a day said without its month or week, read against another day of the same plan -------------------

_BARE_DAY = re.compile(r"(?<![\d月第])" + _N + r"\s*[号日](?!子|本|元|游|线|楼|码|床|窗|门|报)")
_MONTH_SAID = re.compile(r"月|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|month|年|year")
_BARE_WEEKDAY = re.compile(r"(?<![下这本上])(?:那|那个)?(?:周|星期|礼拜)([一二三四五六日天])")


def day_after(text: str, said: date, anchor: date) -> date:
    """Return the day meant by a bare "24号" or "那周五" said for the end of a stay that starts on anchor.

    "24号" with a start of 10 January is 24 January, not 24 December; "下周一…到那周五" is that week's
    Friday. A day said with its month, or one already after the start, is returned as it is.
    """
    plain = unicodedata.normalize("NFKC", text or "").lower()
    if said > anchor or _MONTH_SAID.search(plain):
        return said
    weekday = _BARE_WEEKDAY.search(plain)
    if weekday:
        wd = _WEEKDAYS[weekday[1]]
        return anchor + timedelta(days=(wd - anchor.weekday()) % 7 or 7)
    bare = _BARE_DAY.search(plain)
    if bare and cn_to_int(bare[1]):
        for months in range(0, 3):
            base = add_months(anchor.replace(day=1), months)
            candidate = safe_date(base.year, base.month, cn_to_int(bare[1])) if base else None
            if candidate and candidate > anchor:
                return candidate
    return said


def day_near(text: str, said: date, anchor: date, today: date) -> date:
    """Return the day meant by a bare "12号" that moves a date now on anchor: the one nearest to it, not past.

    Moving a start of 10 January "to the 12th" means 12 January, not 12 December.
    """
    plain = unicodedata.normalize("NFKC", text or "").lower()
    bare = _BARE_DAY.search(plain)
    if _MONTH_SAID.search(plain) or not bare or not cn_to_int(bare[1]):
        return said
    candidates = []
    for months in (-1, 0, 1):
        base = add_months(anchor.replace(day=1), months)
        candidate = safe_date(base.year, base.month, cn_to_int(bare[1])) if base else None
        if candidate and candidate >= today:
            candidates.append(candidate)
    return min(candidates, key=lambda d: abs((d - anchor).days)) if candidates else said


_LATER = re.compile(r"(?:晚|推迟|往后推|往后挪|后推|延后|推后|往后延|挪后)(\d{1,2}|[一两二三四五六七八九十]{1,3})(?:个)?(?:天|日)")
_EARLIER = re.compile(r"(?:提前|早|往前挪|往前推|提早)(\d{1,2}|[一两二三四五六七八九十]{1,3})(?:个)?(?:天|日)")
_EN_SHIFT = re.compile(r"\b(\d{1,2}|a|one|two|three|four|five|six|seven)\s+days?\s+(later|earlier)\b|"
                       r"\bpush(?:ed)?\b.{0,20}?\bback (?:by )?(\d{1,2}|a|one|two|three|four|five|six|seven) days?\b")
_EN_SMALL = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def shifted(text: str, anchor: date) -> date | None:
    """Return anchor moved by "晚两天" / "提前三天" / "two days later" / "push it back 2 days", or None."""
    plain = unicodedata.normalize("NFKC", text or "").lower()
    for pattern, sign in ((_LATER, 1), (_EARLIER, -1)):
        m = pattern.search(plain)
        if m and cn_to_int(m[1]):
            return anchor + timedelta(days=sign * cn_to_int(m[1]))
    m = _EN_SHIFT.search(plain)
    if m:
        amount = m[1] or m[3]
        days = int(amount) if amount.isdigit() else _EN_SMALL[amount]
        return anchor + timedelta(days=-days if m[2] == "earlier" else days)
    return None
