"""Slot extraction from free-text chat messages about cross-province medical filing.

Pure Python on purpose: the dialog layer must stay testable without the web
stack, so nothing here may import flask, sqlalchemy, wechatpy or ``backend``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field, fields, replace
from datetime import date

from dialogs.nlu_areas import AreaEntry, AreaMatch, Gazetteer, derive_short_name
from dialogs.nlu_dates import cn_to_int, find_dates, parse_date

__all__ = [
    "AreaEntry", "AreaMatch", "Gazetteer", "Extraction", "extract", "parse_date",
    "parse_yes_no", "parse_choice", "parse_phone", "detect_command",
    "normalize", "derive_short_name", "CATEGORIES", "COMMANDS",
]

# Longer input is pasted junk, not a chat turn; bound the work done on it.
MAX_CHARS = 2000

from dialogs.categories import CATEGORIES  # noqa: F401  (one home)

COMMANDS = {
    "back": ("返回", "上一步", "返回上一步", "回到上一步", "后退", "back", "goback"),
    "restart": ("重新开始", "重来", "从头开始", "重新来", "restart", "startover"),
    "help": ("帮助", "怎么用", "使用说明", "怎么操作", "help"),
    "cancel": ("取消", "不办了", "不办", "退出", "cancel", "quit", "exit"),
    "human": ("人工", "转人工", "人工客服", "客服", "找客服", "真人", "human", "agent"),
    "large_text": ("大字", "大字版", "大字模式", "长辈模式", "老年模式", "关怀模式",
                   "字大一点", "largetext", "largefont", "bigtext"),
    "normal_text": ("正常模式", "标准模式", "小字", "小字版", "普通模式", "normaltext"),
}
_COMMAND_LOOKUP = {word: cmd for cmd, words in COMMANDS.items() for word in words}

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060\ufeff]")
_NON_WORD = re.compile(r"[\W_]+")
_POLITE_PREFIX = re.compile(r"^(?:我要|我想|请|麻烦|帮我)")
_POLITE_SUFFIX = re.compile(r"(?:吧|了|啊|呀|一下)$")


_T2S = None


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified (OpenCC), so 廣州 / 幫我媽 read as 广州 / 帮我妈."""
    global _T2S
    if _T2S is None:
        import opencc

        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)


# Cantonese written as spoken, and a few northern words, folded to the Mandarin the patterns know.
_DIALECT = (("搞掂", "办好"), ("搞定", "办好"), ("未呀", "了没"), ("未啊", "了没"), ("嘅", "的"), ("咗", "了"), ("唔该", "请"),
            ("唔", "不"), ("揾", "找"), ("冇", "没有"), ("喺", "在"), ("佢", "他"), ("俾我", "给我"), ("边度", "哪里"),
            ("几多钱", "多少钱"), ("点样", "怎样"), ("阿妈", "妈妈"), ("阿爸", "爸爸"), ("今儿个", "今天"), ("今儿", "今天"),
            ("明儿个", "明天"), ("明儿", "明天"), ("后儿个", "后天"), ("咋个", "怎么"), ("啥子", "什么"), ("晓得", "知道"),
            # Northern "俺" is always I/me/my: read as 我, so every pattern written with 我 reads it too.
            ("俺", "我"))


def normalize(text) -> str:
    """Fold width/case, traditional characters, dialect words and control characters into one form."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > 200:
        return _normalize(text)
    # The same short texts (choice labels, the message itself at each stage) come back many times a turn.
    return _normalize_cached(text)


@lru_cache(maxsize=8192)
def _normalize_cached(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2]).lower()
    if not text.isascii():
        text = to_simplified(text)
        for said, meant in _DIALECT:
            if said in text:
                text = text.replace(said, meant)
    return _CONTROL.sub(" ", text)[:MAX_CHARS]


def _squash(text) -> str:
    return _NON_WORD.sub("", normalize(text))


def detect_command(text) -> str | None:
    """Return the navigation command when the whole message is one."""
    key = _squash(text)
    if key in _COMMAND_LOOKUP:
        return _COMMAND_LOOKUP[key]
    key = _POLITE_SUFFIX.sub("", _POLITE_PREFIX.sub("", key))
    return _COMMAND_LOOKUP.get(key)


# --- yes / no --------------------------------------------------------------

_UNSURE = re.compile(r"不知道|不清楚|不确定|不懂|不晓得|说不好|不一定")
# Positive phrases that contain a negation character must not read as "no".
_POSITIVE_WITH_NEG = re.compile(r"没问题|没错|不错|没毛病")
_NEG_START = re.compile(r"^(?:不是|不对|不用|不要|不行|不需要|不可以|不好|不确认|不了|否|没有|没|不)")
_POS_LONG = r"是的|对的|好的|可以|确认|确定|同意|好啊|对啊|是啊|行啊|好吧|行吧|ok|okay|yes"
# Single characters only count when they stand alone, so "是我妈" is not a yes.
_POS_SHORT = r"[是对好行嗯恩](?=$|\s|[的啊呀吧嘛哦了滴嗯恩呢哈是对好行])"
_POS_START = re.compile(rf"^(?:{_POS_LONG}|{_POS_SHORT})")
_POS_ANY = re.compile(rf"(?:{_POS_LONG})|(?:^|(?<=[\s那嗯哦噢呃]))(?:{_POS_SHORT})")
_NEG_CHARS = re.compile(r"[不没否]")
_EN_YES = {"yes", "y", "yeah", "yep", "ok", "okay", "sure", "correct", "right"}
_EN_NO = {"no", "n", "nope", "nah", "not", "wrong"}


def parse_yes_no(text) -> bool | None:
    """Read a short yes/no answer; negation wins, double negation is unsure."""
    s = _NON_WORD.sub(" ", normalize(text)).strip()
    if not s or _UNSURE.search(s):
        return None
    compact = s.replace(" ", "")
    if re.search(r"[吗么嘛]$", compact) or "?" in normalize(text):
        return None  # a question back to us is not an answer
    if s.isascii():
        if s in ("no problem", "not bad"):
            return True
        if re.search(r"\b(?:fine|sounds good|that works|go ahead|alright|all right|agreed|perfect)\b", s) and not re.search(
                r"\b(?:not|no|don t|dont)\b", s):
            return True
        first = s.split()[0]
        return True if first in _EN_YES else False if first in _EN_NO else None
    s = _POSITIVE_WITH_NEG.sub("好的", s)
    negations = len(_NEG_CHARS.findall(s))
    neg = _NEG_START.match(s)
    if neg:
        return None if len(_NEG_CHARS.findall(s[neg.end():])) else False
    if _POS_START.match(s):
        return None if negations else True
    if len(compact) <= 8:
        if negations:
            return None if negations >= 2 else False
        if _POS_ANY.search(s):
            return True
    return None


# --- choice / phone ----------------------------------------------------------

_CHOICE = re.compile(r"^(?:我)?(?:选择?|要|就)?第?(\d{1,2}|[一二两三四五六七八九十]{1,3})"
                     r"(?:个|项|条|种|位|家)?(?:吧|的|啊|呀)?$")
_LAST_CHOICE = re.compile(r"^(?:我)?(?:选择?|要|就)?最后一?个?(?:吧|的)?$")


def parse_choice(text, n_choices: int | None = None) -> int | None:
    """Return the 1-based option number when the whole message picks one."""
    key = _squash(text)
    if n_choices and _LAST_CHOICE.match(key):
        return n_choices
    m = _CHOICE.match(key)
    if not m:
        return None
    value = cn_to_int(m[1])
    limit = n_choices if n_choices else 99
    return value if value is not None and 1 <= value <= limit else None


_PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)?86[\s\-]*)?(1[3-9](?:[\s\-]*\d){9})(?![\s\-]*\d)")


def _find_phone(text: str):
    return _PHONE.search(text)


def parse_phone(text) -> str | None:
    """Return the first mainland mobile number as 11 plain digits."""
    m = _find_phone(normalize(text))
    return re.sub(r"\D", "", m[1]) if m else None


# --- who ---------------------------------------------------------------------

_RELATION_WORDS = {
    "parent": "父母 爸妈 爹妈 我爸妈 我父母 俺爸妈 俺爹娘 爹娘 二老 老两口 parents",
    "grandparent": "爷爷 奶奶 外公 外婆 姥姥 姥爷 祖父 祖母 外祖父 外祖母",
    "mother": "母亲 妈妈 老妈 我妈 我娘 老娘 俺娘 俺妈 咱妈 老母亲 老太太 妈",
    "father": "父亲 爸爸 老爸 我爸 我爹 老爹 俺爹 咱爸 老父亲 老爷子 爸",
    "spouse": "老婆 妻子 爱人 老公 丈夫 老伴 媳妇 太太 配偶 老头子 老伴儿 俺老头 我老头 老婆子",
    "child": "儿子 女儿 孩子 闺女 儿媳妇 儿媳 女婿 子女 小孩",
    # Listed so that e.g. 姨妈 is not read as 妈.
    "other": "家人 家里人 亲戚 亲属 朋友 别人 他人 姑妈 姨妈 舅妈 干妈 大妈 姑父 姨父 "
             "舅舅 叔叔 阿姨 伯伯 哥哥 弟弟 姐姐 妹妹 兄弟 姐妹 公公 婆婆 公婆 岳父 岳母 丈母娘 老丈人 "
             "孙子 孙女 外孙 外孙女 侄子 侄女 外甥 我姐 我哥 我弟 我妹",
}
_RELATION_OF = {w: rel for rel, words in _RELATION_WORDS.items() for w in words.split()}
_RELATION = re.compile("|".join(sorted(_RELATION_OF, key=len, reverse=True)))
_EN_RELATION = re.compile(
    r"\bmy (mother|mom|mum|father|dad|wife|husband|son|daughter|child|parents|"
    r"grandmother|grandma|grandfather|grandpa)\b")
_EN_RELATION_OF = {"mother": "mother", "mom": "mother", "mum": "mother", "father": "father",
                   "dad": "father", "wife": "spouse", "husband": "spouse", "son": "child",
                   "daughter": "child", "child": "child", "parents": "parent",
                   "grandmother": "grandparent", "grandma": "grandparent",
                   "grandfather": "grandparent", "grandpa": "grandparent"}
# "跟女儿住" names who the patient lives with, not who the patient is.
_COMPANION = re.compile(r"(?:跟|随|和|同|陪|投靠|照顾|带|去|到|(?<![现正还实好所存自])在|住|来|回)着?(?:我的|我|家里|俺|咱)?$")
# "闺女那边", "我姐家", "儿子帮我办的": a place or the one who acted, not the patient.
_SELF_FOR = re.compile(r"(?:给|为|替)(?:我)?自(?:己|个儿?)(?:办|备|弄|申请)|我自己办|自己的备案|for myself")
_COMPANION_AFTER = re.compile(r"^(?:.{0,3}(?:帮我|给我|替我|帮俺|给俺|给弄|帮弄|给办|帮办|弄没弄|办没办)|带孙|带外孙|带孩子|看孩子|那边|那儿|那里|那(?![个些])|家|"
                              r"这边|这儿|这里|帮的|办的|弄的|"
                              r"给办的|帮忙办|的(?=\s*(?:\d|电话|手机|号)))")
# "俺儿子能不能替俺办", "儿子说他给俺办了", "让沈阳那边亲戚去跑": the relative is the one acting, not the patient.
_AGENT_AFTER = re.compile(r"^[^，。,.!?！？]{0,10}?(?:帮|给|替|代)(?:我|俺|咱)(?!妈|爸|爹|娘|家|老|的|儿|女|媳|孩|闺)")
# Staying in hospital, as people say it: "住院", "住几天院", "住个院", "admitted".
INPATIENT_WORDS = (r"住院|住(?:几天|两天|三天|一段时间|一阵子?|个|些天|\d{1,3}天|[一二三四五六七八九十]{1,2}天)院|"
                   r"inpatient|hospitali[sz]ed|admitted|hospital stay|stay(?:ing)? in (?:the )?hospital")
_PATIENT_AFTER = re.compile(r"^.{0,3}(?:去|到|上)(?!世)[^，。,.!?！？]{0,14}(?:医院|看病|住院|看门诊|透析|复查|就医|拿药|开药)")
_AGENT_BEFORE = re.compile(r"(?:让|叫|找|请|托|拜托)(?:我|俺|咱)?(?:的)?.{0,4}$")
_SELF = re.compile(r"给我自己|为我自己|给自己|为自己|替自己|自己办|我自己办|本人|我自己(?!要掏|要付|掏|付|出|花)|自个儿?|"
                   r"\bmyself\b")

# What care a message is about. CARE_WORDS say it in any message ("深圳哪家医院能住院"); CARE_ANSWER_WORDS
# add the looser words that count only as the answer to "what care is it for?" ("看病", "复查", "手术").
CARE_WORDS = (
    ("pharmacy", r"药店|药房|买药|配药|pharmacy|drugstore"),
    ("inpatient", INPATIENT_WORDS),
    ("chronic", r"慢病|慢特病|慢性病|门特|门慢|chronic"),
    ("outpatient", r"(?<!普通)门诊(?!慢特病|慢病|特殊)|看门诊|outpatient"),
)
_CARE_ANSWER_EXTRA = {
    "pharmacy": r"拿药|medicine",
    "inpatient": r"手术|开刀|换膝盖|换髋|surgery|operation",
    "chronic": r"透析|化疗|放疗|dialysis",
    "outpatient": r"门诊|看病|看医生|复查|检查|挂号|see(?:ing)? a doctor|check-?up|not stay",
}
CARE_ANSWER_WORDS = tuple((care, f"{pattern}|{_CARE_ANSWER_EXTRA[care]}") for care, pattern in CARE_WORDS)


def _who(t: str) -> tuple[str | None, str | None]:
    # "想给自己备个案，在深圳帮孩子带孙子": saying it is for oneself outranks a relative in passing.
    if _SELF_FOR.search(t):
        return "self", None
    for m in _RELATION.finditer(t):
        for_them = re.search(r"(?:给|为|替|帮)(?:我|俺|咱)?$", t[max(0, m.start() - 2):m.start()])
        if _PATIENT_AFTER.match(t[m.end():]):
            return "relative", _RELATION_OF[m[0]]  # "带我妈去人民医院住院": she is the patient
        after = _COMPANION_AFTER.match(t[m.end():]) or _AGENT_AFTER.match(t[m.end():]) \
            or _AGENT_BEFORE.search(t[max(0, m.start() - 8):m.start()])
        if not _COMPANION.search(t[max(0, m.start() - 5):m.start()]) and (not after or for_them):
            return "relative", _RELATION_OF[m[0]]
    m = _EN_RELATION.search(t)
    if m:
        return "relative", _EN_RELATION_OF[m[1]]
    return ("self", None) if _SELF.search(t) else (None, None)


# --- category ----------------------------------------------------------------

_TEMPORARY = re.compile(r"出差|旅游|旅行|探亲|临时|短期|看病几天|玩几天|度假|过年|business trip|vacation|holiday|travel")
_TEMPORARY_CATEGORY = re.compile(r"出差|旅游|旅行|探亲|玩几天|临时去?几天|看病几天|度假|过年|business trip|vacation|holiday|"
                                 r"travel")
_CATEGORY_RULES = [
    ("emergency", re.compile(r"急诊|抢救|急救|突发|突然|急病|急性|病危|救护车")),
    ("emergency", re.compile(r"(?=.*(?:住院|生病了|生了病|病了|发病|受伤|摔|骨折|admitted|hospitali[sz]ed))"
                             r"(?=.*(?:出差|旅游|旅行|探亲|急|business trip|travel))(?!.*(?:怕|万一|担心|如果|要是)"
                             r"(?:生病|病了|住院))", re.S)),
    ("referral", re.compile(r"转诊|转院|让我转|转到|转去.{0,8}(?:医院|治疗|看)|referr")),
    ("retiree_resettled", re.compile(r"异地安置|退休安置|养老(?!保险|金)|(?<![没未不])(?<!不是)退休.*(?:搬|随|跟|投靠|安置|定居|带孙|带外孙|"
                                     r"住(?!院))|(?:搬|随|跟|投靠|定居|住(?!院)).*(?<![没未还不是])退休|"
                                     r"retired.*(?:mov|liv|settl)|(?:mov|liv|settl).*retired", re.S)),
    ("posted_worker", re.compile(r"单位派|公司派|外派|派驻|常驻|驻外|在外地工作|异地工作|派我去|被派|"
                                 r"派到|派过去|工作调动|调动工作|调到.{0,8}工作|posted|sent (?:me |there )?by my|"
                                 r"(?:company|employer|firm|work|job).{0,20}(?:send|sent|sending|post|posting|transfer|"
                                 r"relocat)|assigned (?:to|by)|relocated by")),
    ("long_term_resident", re.compile(r"长期住|长期在.{1,6}住|常住|长住|定居|长期居住|居住证|住了好几年|住了很多年|"
                                      r"住了好多年|住了[0-9一二两三四五六七八九十几]+年|生活了.{0,3}年|long[- ]term resident|"
                                      r"live there (?:long|for good)")),
    ("other_temporary", _TEMPORARY_CATEGORY),
]
_RETIRED_GOING = re.compile(r"退休.*去(?!世|年)|去(?!世|年).*退休", re.S)


def _category(t: str) -> str | None:
    for name, rule in _CATEGORY_RULES:
        if rule.search(t):
            return name
    # "退休了去深圳" is a move, unless the trip is explicitly temporary.
    if _RETIRED_GOING.search(t) and not _TEMPORARY.search(t):
        return "retiree_resettled"
    return None


# --- area roles --------------------------------------------------------------

_CLAUSE = re.compile(r"[，,。；;、！!？?\n]+")
_INSURED_LEFT = re.compile(r"(?:(?:参保地|参保|医保|社保)(?:写错了|说错了|填错了|错了)?\s*(?:应该是|改成|改为|换成|是)\s*$|"
                           r"(?:参保|医保|社保|医保卡|社保卡)(?:地|关系)?(?:也|都|还|一直|还是|本来)?"
                           r"(?:是|在|于|为|属于|归|交在|缴在|是在)?(?:老家|原来的|原来|以前的|以前)?\s*:?|"
                           r"insured (?:in|at|by)|insurance (?:is |was )?(?:from|in|at)|insurance:)\s*$")
_TREAT_LEFT = re.compile(
    r"(?:住在|住到|住|搬去|搬到|搬来|搬回|搬家到|去|到|来|回|前往|派我去|派往|派|驻|调到|转到|转去|就医地|就医在|看病在|"
    r"(?:就医地|就医城市|看病的城市|去的城市)(?:说错了|写错了|填错了|错了|不对)?\s*(?:不对)?\s*(?:应该是|改成|改为|改到|换成|"
    r"换到|变更到|变更为|是|写成)|"
    r"(?:改成|改为|改到|换成|换到|变更到|变更为)|(?:去|住|搬)的(?:是|在)?|(?:filing|registration) (?:for|in)|"
    r"治疗在|在|(?:出差|旅游|旅行|探亲|打工|上班|工作|生活|居住|定居|养老|看病|就医|治疗|住院|玩|读书|上学)(?:在|到|去|于)|"
    r"moving to|move to|moved to|lives? in|living in|stay(?:ing)? in|travel(?:ling)? to|trip to|going to|go to|"
    r"treatment in|care in|hospitals? in|pharmac(?:y|ies) in|visiting|\bin|\bto)"
    r"(?:是|在|为|我们|咱们|俺们|娘家|老家|闺女家|儿子家|女儿家|(?:儿子|女儿|闺女|孩子|子女)(?:家|那边|那儿|那里|那)|"
    r"(?:我|我们|俺|咱)?(?:这边|这儿|这里)(?:的)?)?"
    r"\s*:?\s*$")
_INSURED_RIGHT = re.compile(r"^\s*(?:的)?(?:那边|那里)?(?:参保|医保|社保|参的保|交(?:的)?(?:医保|社保)?|"
                            r"缴(?:的)?(?:医保|社保)?|买的医保|给交的|insurance|的?(?:退休)?(?:职工|工人)(?!.{0,2}住))"
                            r"(?!\s*(?:在|是|地|关系))")
_TREAT_RIGHT = re.compile(r"^\s*(?:的)?(?:那边|这边|那里|这里|那儿|这儿|住(?!院)|看病|就医|治病|治疗|透析|化疗|"
                          r"工作|上班|打工|生活|居住|定居|常住|长住|养老|住院|急诊|抢救|做手术|手术|读书|上学|过冬|"
                          r"复查|开药|拿药|买药|看门诊|门诊|带孙|照顾|"
                          r"(?:的|能|可以|有)?(?:哪些|哪家|哪个)?(?:医院|药店|药房|诊所)|那个备案|的备案|备案|"
                          r"能不能|能否|可以|能直接|能看|能住|能报|能刷|哪些|哪家|有哪些|"
                          r".{0,3}(?:我姐家|闺女家|儿子家|女儿家|家)住)")


_WEAK_LEFT = re.compile(r"(?:在(?:老家|娘家|婆家)?|\bin|\bto)\s*:?\s*$")
# "户口在沈阳", "老家在沈阳": where one is registered or from says nothing about insurance or care.
_NO_ROLE_LEFT = re.compile(r"(?:户口|户籍|老家|家乡|出生|祖籍|籍贯)(?:也|都|还)?(?:是|在)\s*$")


def _area_role(left: str, right: str) -> str | None:
    if _INSURED_LEFT.search(left):
        return "insured"
    if _NO_ROLE_LEFT.search(left):
        return None
    strong_left = _TREAT_LEFT.search(left) and not _WEAK_LEFT.search(left)
    if strong_left:
        return "treatment"
    # An insurance word after the place outranks a plain "在" before it ("我在沈阳参保" is insured).
    if _INSURED_RIGHT.match(right):
        return "insured"
    if _TREAT_LEFT.search(left) or _TREAT_RIGHT.match(right):
        return "treatment"
    return None


def _clause_matches(clause: str, gazetteer: Gazetteer) -> list[tuple[int, int, AreaMatch]]:
    """Return (left_start, left_end, match), folding "广东省的深圳" into 深圳."""
    out: list[tuple[int, int, AreaMatch]] = []
    for m in gazetteer.find(clause):
        if out:
            left_start, left_end, prev = out[-1]
            gap = clause[prev.end:m.start]
            if (len(gap) <= 2 and m.entry.level != "province"
                    and prev.entry.code in (m.entry.province_code, m.entry.pool_code)):
                # The cue before the province belongs to the place inside it.
                out[-1] = (left_start, left_end, m)
                continue
            if not gap and prev.entry.province_code != m.entry.province_code:
                # "上海瑞金", "北京协和": a place name right after another province's is part of an
                # institution's name, not a second place.
                continue
        out.append((out[-1][2].end if out else 0, m.start, m))
    return out


_NEGATED_PLACE = re.compile(r"(?:不去|不到|不在|别去|没去成?|不用去)$")


def _assign_areas(t: str, gazetteer: Gazetteer, ex: "Extraction") -> None:
    start = 0
    for sep in [*_CLAUSE.finditer(t), None]:
        end = sep.start() if sep else len(t)
        clause = t[start:end]
        start = sep.end() if sep else end
        matches = _clause_matches(clause, gazetteer)
        for idx, (left_start, left_end, m) in enumerate(matches):
            right_end = matches[idx + 1][1] if idx + 1 < len(matches) else len(clause)
            role = _area_role(clause[left_start:left_end], clause[m.end:right_end])
            entry = m.entry
            if _NEGATED_PLACE.search(clause[max(0, m.start - 4):m.start]) and re.match(r"^了|^啦|^\s*$", clause[m.end:m.end + 1]
                                                                                    or ""):
                continue  # "不去杭州了": the place no longer meant
            if role == "insured" and ex.insured_area in (None, entry):
                ex.insured_area = entry
            elif role == "treatment" and ex.treatment_area in (None, entry):
                ex.treatment_area = entry
            elif entry not in ex.unassigned_areas:
                ex.unassigned_areas.append(entry)
    ex.unassigned_areas = [e for e in ex.unassigned_areas
                           if e not in (ex.insured_area, ex.treatment_area)]


# --- extraction --------------------------------------------------------------

@dataclass
class Extraction:
    """Slots one message filled; None (or []) means the message said nothing."""

    principal: str | None = None      # "self" | "relative"
    relation: str | None = None       # mother, father, spouse, child, parent, grandparent, other
    category: str | None = None       # one of CATEGORIES
    insured_area: AreaEntry | None = None
    treatment_area: AreaEntry | None = None
    unassigned_areas: list[AreaEntry] = field(default_factory=list)  # no role cue: ask
    start_date: date | None = None
    end_date: date | None = None
    phone: str | None = None          # 11 digits, no country code
    yes_no: bool | None = None
    choice: int | None = None         # 1-based, only when the whole message is a choice
    command: str | None = None        # one of COMMANDS
    institutions: list = field(default_factory=list)  # nlu_institutions.InstitutionMention, narrowed to focus
    # The normalised message, for flows that look for words of their own (care types, diseases).
    text: str = field(default="", compare=False)

    def filled(self) -> dict:
        """Return only the slots that were filled, keyed by slot name."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in ("text", "institutions") and value is not None and value != []:
                out[f.name] = value
        return out


_END_CUE = re.compile(r"(?:(?<![改换调推挪移])到|至|截至|截止到?|until|till|til|(?<!date )(?<!change it )to)\s*(?:the\s*)?$")


def extract(text: str, *, today: date, gazetteer: Gazetteer, institutions=None, focus=()) -> Extraction:
    """Extract every slot a single chat message fills.

    `institutions` (an nlu_institutions.InstitutionNames) finds hospitals named in the message;
    `focus` is the areas being discussed (the treatment area asked about, the person's filings), or a
    function returning them, called only when a message names an institution.
    A place name inside an institution's name ("瑞金" in 瑞金医院) is not taken as a place, unless
    it is the institution's own city ("深圳" in 北大深圳医院).
    """
    t = gazetteer.translate_latin(normalize(text))
    ex = Extraction(text=t[:MAX_CHARS])
    if not t.strip():
        return ex
    ex.command = detect_command(t)
    if ex.command:
        return ex  # a command message carries nothing else
    ex.choice = parse_choice(t)
    if ex.choice is not None:
        return ex
    ex.yes_no = parse_yes_no(t)
    phone = _find_phone(t)
    if phone:
        ex.phone = re.sub(r"\D", "", phone[1])
        # Keep the digits out of date parsing without shifting offsets.
        t = t[:phone.start()] + " " * (phone.end() - phone.start()) + t[phone.end():]
    _fill_dates(t, today, ex)
    ex.principal, ex.relation = _who(t)
    if institutions is not None:
        t = _institutions(t, gazetteer, institutions, focus, ex)
    _assign_areas(t, gazetteer, ex)
    ex.category = _category(t)
    if ex.category is None and "退休" in t and ex.treatment_area is not None:
        ex.category = "retiree_resettled"
    return ex


def _institutions(t: str, gazetteer: Gazetteer, index, focus, ex: "Extraction") -> str:
    """Find the institutions a message names; return the text with the place names inside them blanked."""
    from dialogs.nlu_institutions import resolve

    mentions = index.find(t)
    if not mentions:
        return t
    inside = lambda m: any(x.start <= m.start and m.end <= x.end for x in mentions)  # noqa: E731
    # An area named elsewhere in the sentence ("上海的中山医院") is an area being discussed too.
    named = {m.entry.pool_code for m in gazetteer.find(t) if not inside(m)}
    areas = set(filter(None, focus() if callable(focus) else focus)) | named
    chars = list(t)
    for mention in mentions:
        candidates = resolve(mention, areas)
        own = {c.area_code for c in candidates} | {c.district_code for c in candidates}
        places = gazetteer.find(mention.said)
        is_a_place = len(places) == 1 and places[0].end - places[0].start == len(mention.said)
        if (is_a_place or mention.generic) and not own & areas:
            # "瑞金" alone, with Shanghai not discussed: the town, not the hospital; "市一院" means
            # nothing until its city is known.
            continue
        ex.institutions.append(replace(mention, candidates=candidates))
        for place in places:
            if place.entry.pool_code not in own and place.entry.code not in own:
                for i in range(mention.start + place.start, mention.start + place.end):
                    chars[i] = "＿"
    return "".join(chars)


def _fill_dates(t: str, today: date, ex: Extraction) -> None:
    mentions = [m for m in find_dates(t, today=today) if m.value is not None]
    if not mentions:
        return
    if len(mentions) == 1:
        if _END_CUE.search(t[max(0, mentions[0].start - 10):mentions[0].start]):
            ex.end_date = mentions[0].value
        else:
            ex.start_date = mentions[0].value
        return
    first, second = mentions[0], mentions[1]
    ex.start_date, ex.end_date = first.value, second.value
    if ex.end_date < ex.start_date and not second.explicit_year:
        # "从12月1日到2月1日": an end before the start means the next year.
        ex.end_date = _next_year(ex.end_date) or ex.end_date


def _next_year(d: date) -> date | None:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return None
