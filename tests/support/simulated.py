"""Simulated people: personas who talk to the assistant over the HTTP API until they reach a goal.

A simulated person is a profile (what they want, for whom, where they are insured and want care,
which category, from when, which materials, their phone, their way of speaking) and a reader of
replies: each reply's current step (`flow` + `state`), its `choices` and its text decide the next
message, built from the profile in the person's own style. Nothing is a fixed script: a person who
is asked something else answers that, and one who is asked again answers again. After at most
MAX_TURNS messages the person gives up; the transcript is kept for the failure message.

The outcome is then checked in the API (GET /api/v1/filings, the last replies): a filing with the
right fields, a cancelled or changed filing, no second long-term filing, a reply that names who filed.

Run against a served app (`make run`), which must share this process's database settings:

    .venv/bin/python -m tests.support.simulated --base-url http://127.0.0.1:5000

It creates fresh people for every persona (unique openids and ID numbers, dev tokens) and prints a
table: persona, goal, turns, reached.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta

MAX_TURNS = 25
ACTIVE = ("approved", "pending_review")
LONG_TERM = ("retiree_resettled", "long_term_resident", "posted_worker")

# The places personas name, as each style writes them: simplified, traditional, English.
CITIES = {
    "210100": ("沈阳", "瀋陽", "Shenyang"), "440300": ("深圳", "深圳", "Shenzhen"),
    "320500": ("苏州", "蘇州", "Suzhou"), "110000": ("北京", "北京", "Beijing"),
    "310000": ("上海", "上海", "Shanghai"), "340100": ("合肥", "合肥", "Hefei"),
    "131000": ("廊坊", "廊坊", "Langfang"), "330100": ("杭州", "杭州", "Hangzhou"),
    "440100": ("广州", "廣州", "Guangzhou"), "320100": ("南京", "南京", "Nanjing"),
    "120000": ("天津", "天津", "Tianjin"), "510100": ("成都", "成都", "Chengdu"),
}

# How each style says which category it is (for itself / for the mother).
CATEGORY_WORDS = {
    "retiree_resettled": ("退休了，在那边长住", "我妈退休了，跟我在那边住", "I'm retired and live there now",
                          "my mother is retired and lives there"),
    "long_term_resident": ("在那边长期居住", "我妈在那边长期居住", "I live there long term",
                           "my mother lives there long term"),
    "posted_worker": ("单位派我去那边长期工作", "单位派我去那边长期工作", "my company posted me there for work",
                      "my company posted me there for work"),
    "referral": ("医院开了转诊单，转过去看病", "医院给我妈开了转诊，转过去看病", "the hospital referred me there",
                 "the hospital referred my mother there"),
    "emergency": ("急诊住院了", "我妈急诊住院了", "it was an emergency, I was admitted",
                  "it was an emergency, my mother was admitted"),
    "other_temporary": ("临时去那边，出差顺便看病", "我妈临时去那边住一阵", "a short trip, temporary",
                        "a short temporary stay"),
}
ELDERLY_CATEGORY = {
    "retiree_resettled": "俺退休了，跟闺女搬过去住了", "long_term_resident": "俺一直在那边住",
    "posted_worker": "单位派俺去那边干活", "referral": "大夫让俺转过去看病",
    "emergency": "俺突然犯病 急诊住进去了", "other_temporary": "俺就去那边住几个月，串亲戚",
}
CN_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Profile:
    """Who the simulated person is and what they want from this conversation."""

    name: str
    who: str                          # who talks: a role of PEOPLE, or "newcomer" (not yet bound)
    goal: str                         # file | status | who_filed | cancel | change | second_long_term | settle
    style: str = "plain"              # plain | terse | elderly | english | voice | traditional
    principal: str = "self"           # self | mother
    insured: str = ""                 # the insured area's code (known to the assistant once bound)
    treatment: str = ""               # where care is wanted (file); the filing's place (cancel/change/status)
    category: str = ""
    start_in: int = 9                 # days from today
    end_in: int | None = None         # days from today; None takes the area's default
    materials: str = "commitment_letter"
    phone: str | None = None          # None: the phone on file
    expect_status: str = "approved"
    asks: tuple[str, ...] = ()        # steps ("filing/materials") where the person first asks what it means
    first_treatment: str | None = None  # fickle: says this city first, corrects it at the summary
    refuses_letter: bool = False      # fickle: picks the letter, then changes mind for documents
    opening: str | None = None        # the first message, when the persona has its own words for it
    new_treatment: str | None = None  # change: the new city
    large_text: bool = False          # asks for large text first
    english_first: bool = False       # says "English please" first
    bind: tuple[str, str] | None = None  # unbound: (name, insured city code); the ID number comes from the world
    before: tuple["Profile", ...] = ()   # earlier conversations (e.g. the filing to cancel), run first
    # settle: "will my visit at this hospital on that day settle?" (the opening is the question itself)
    visit: str = ""                   # the kind of care, answered when asked: inpatient, outpatient, chronic
    visit_in: int | None = None       # the day of the visit (days from today), answered when asked
    disease: str = ""                 # the disease in the person's words, answered when asked
    hospital: str = ""                # the institution's full name, as the answer must name it
    pick: str = ""                    # among hospitals sharing a name, the words that pick one ("北京那个")
    settles: bool | None = None       # the right answer: yes or no
    reason: tuple[str, ...] = ()      # words of the key reason the answer must carry
    never: tuple[str, ...] = ()       # words the answer must not carry (a wrong town, a distance)

    @property
    def en(self) -> bool:
        return self.style == "english"


@dataclass
class Turn:
    said: str | int
    flow: str | None
    state: str | None
    reply: str


@dataclass
class Run:
    """What happened: every turn, the last reply, whether the person thinks they are done and why not."""

    profile: Profile
    turns: list[Turn] = field(default_factory=list)
    done: bool = False
    problem: str | None = None
    replies: list[dict] = field(default_factory=list)

    def transcript(self, width: int = 160) -> str:
        """Return the conversation compactly, one line per message and per reply."""
        lines = []
        for t in self.turns:
            lines.append(f"  > {t.said}")
            lines.append(f"  < [{t.flow}/{t.state}] " + t.reply.replace("\n", " | ")[:width])
        return "\n".join(lines)


class SimulatedPerson:
    """Answer what the assistant asks, from a profile and in the profile's style."""

    def __init__(self, profile: Profile, today: date, id_number: str | None = None):
        self.p = profile
        self.today = today
        self.id_number = id_number
        self.asked: set[str] = set()        # steps where the question was asked
        self.pending_question: str | None = None
        self.corrected = False
        self.refused_letter = False
        self.switched = False
        self.large = False
        self.acted = False                  # confirmed the cancel / change, or met the existing filing
        self.opened = False
        self.reopened = 0
        self.menu_picked: set[str] = set()  # menu choices taken at idle (taking one twice means a loop)
        self.last_step: str | None = None   # the step the last message answered
        self.same_step_expected = False     # after a question or a correction the step comes back

    # --- the first message ------------------------------------------------------------

    def opening(self) -> str:
        """Return the first message: the goal in the person's words."""
        p = self.p
        if p.english_first and not self.switched:
            self.switched = True
            return "English please"
        if p.large_text and not self.large:
            self.large = True
            return "字太小了看不清" if p.style == "elderly" else "大字"
        self.opened = True
        if p.opening:
            return p.opening
        city = self.city(p.first_treatment or p.treatment) if (p.first_treatment or p.treatment) else ""
        mother = p.principal == "mother"
        if p.goal in ("file", "second_long_term"):
            if p.en:
                return f"I want to file for {'my mother' if mother else 'myself'}, care in {city}"
            if p.style == "terse":
                return "办备案"
            if p.style == "elderly":
                return f"俺想办个备案，要去{city}看病" if not mother else f"帮俺妈办个备案，她要去{city}看病"
            if p.style == "voice":
                who = "我妈" if mother else "我"
                return f"那个你好啊就是{who}要去{city}那边看病嘛想办一个那个异地就医的备案怎么弄"
            if p.style == "traditional":
                return f"幫我媽辦備案，她要去{city}看病" if mother else f"我想辦備案，要去{city}看病"
            return f"帮我妈办备案，她要去{city}" if mother else f"我想办备案，去{city}看病"
        if p.goal == "status":
            if p.en:
                return "Is my mother's filing approved?" if mother else "Is my filing approved?"
            return "我妈的备案办好了没" if mother else "我的备案办好了吗"
        if p.goal == "who_filed":
            return "Who filed my registration?" if p.en else "谁帮我办的备案"
        if p.goal == "cancel":
            if p.en:
                return f"Please cancel {'my mother' if mother else 'my'}'s filing for {city}".replace("my's", "my")
            return f"帮我妈把{city}的备案取消" if mother else "出差取消了，这个备案帮我撤了吧"
        if p.goal == "change":
            new = self.city(p.new_treatment)
            if p.en:
                return f"Please change my filing, the city should be {new}"
            return f"我妈那个备案改成{new}" if mother else f"哎呀 填错了 其实是去{new} 能改吗"
        raise ValueError(f"no opening for goal {p.goal}")

    # --- words --------------------------------------------------------------------------

    def city(self, code: str | None) -> str:
        zh, trad, en = CITIES[code]
        return en if self.p.en else trad if self.p.style == "traditional" else zh

    def say_date(self, days: int) -> str:
        d = self.today + timedelta(days=days)
        if self.p.en:
            return d.strftime("%B ") + str(d.day)
        if self.p.style == "terse":
            return d.isoformat()
        if self.p.style == "voice":
            return f"就从{_cn_number(d.month)}月{_cn_number(d.day)}号开始吧"
        if self.p.style == "elderly":
            return f"{d.month}月{d.day}号吧" if days >= 0 else f"{d.month}月{d.day}号那天住进去的"
        return f"{d.month}月{d.day}日"

    def say_phone(self, phone: str) -> str:
        if self.p.style == "voice":
            return "我的电话是" + "".join("幺" if c == "1" else CN_DIGITS[int(c)] for c in phone)
        if self.p.en:
            return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
        return phone if self.p.style == "terse" else f"电话{phone}"

    # --- reading a reply ------------------------------------------------------------------

    def answer(self, reply: dict) -> str | int | None:
        """Return the next message for this reply (an int is a numbered choice), or None when the goal is reached."""
        flow, state = reply.get("flow"), reply.get("state")
        step = f"{flow}/{state}"
        if self.pending_question is not None:
            if step != self.pending_question:
                raise Confused(f"asked a question at {self.pending_question}, then the step was {step}")
            self.pending_question = None
        elif flow is not None and step == self.last_step and not self.same_step_expected:
            # Asked the same thing again: the assistant did not take the answer. A person would
            # rephrase, but the answer was a fair one: that is the assistant's failure, not the person's.
            raise Confused(f"the answer at {step} was not understood (asked again)")
        self.same_step_expected = False
        if self.finished(reply):
            return None
        if flow is None:
            self.last_step = None
            return self.idle(reply)
        self.last_step = step
        if step in self.p.asks and step not in self.asked:
            self.asked.add(step)
            self.pending_question = step
            return QUESTIONS[step][1 if self.p.en else 0]
        handler = getattr(self, "on_" + step.replace("/", "_"), None)
        if handler is None:
            raise Confused(f"the person does not know what to say at {step}")
        return handler(reply)

    def finished(self, reply: dict) -> bool:
        goal, flow = self.p.goal, reply.get("flow")
        if goal == "file":
            return bool(reply.get("filing")) or reply.get("state") == "submitted"
        if goal in ("cancel", "change", "second_long_term"):
            return self.acted and flow is None
        if goal in ("status", "who_filed", "settle"):
            return self.opened and flow is None
        return False

    def idle(self, reply: dict) -> str | int:
        # After binding, the assistant offers to go on with what was asked before: take it.
        wanted = {"file": "filing", "second_long_term": "filing", "cancel": "cancel", "change": "change",
                  "status": "my_filings"}.get(self.p.goal)
        for c in reply.get("choices") or ():
            if c["value"] == wanted and self.opened:
                if c["value"] in self.menu_picked:
                    raise Confused(f"choosing {c['value']!r} at the menu led back to the menu")
                self.menu_picked.add(c["value"])
                return self.pick(c, reply)
        if not self.opened or (self.p.english_first and not self.switched) or (self.p.large_text and not self.large):
            return self.opening()
        if self.reopened >= 1:
            raise Confused("back at the start without reaching the goal")
        self.reopened += 1
        self.opened = False
        return self.opening()

    # --- choices --------------------------------------------------------------------------

    def pick(self, choice: dict, reply: dict, words: str | None = None) -> str | int:
        """Answer a choice as this person would: its number (terse, elderly) or words of their own."""
        if self.p.style in ("terse", "elderly") or words is None:
            return choice["number"]
        return words

    @staticmethod
    def find(reply: dict, value) -> dict | None:
        test = value if callable(value) else (lambda v: v == value)
        return next((c for c in reply.get("choices") or () if test(c["value"])), None)

    # --- the filing flow --------------------------------------------------------------------

    def on_filing_principal(self, reply):
        if self.p.principal == "mother":
            found = self.find(reply, lambda v: v.startswith("member:"))
            words = "for my mother" if self.p.en else "给我妈办" if self.p.style != "traditional" else "給我媽辦"
        else:
            found = self.find(reply, "self")
            words = "for myself" if self.p.en else "我自己"
        if found is None:
            raise Confused("the choice for whom is missing")
        return self.pick(found, reply, words)

    def on_filing_insured_area(self, reply):
        city = self.city(self.p.insured)
        if self.p.style == "elderly":
            return f"俺在{city}交的医保"
        return city if self.p.style in ("terse", "english") else f"医保在{city}"

    def on_filing_treatment_area(self, reply):
        city = self.city(self.p.first_treatment if self.p.first_treatment and not self.corrected
                         else self.p.treatment)
        if self.p.style == "elderly":
            return f"去{city}"
        return city if self.p.style in ("terse", "english", "traditional") else f"去{city}看病"

    def on_filing_existing_action(self, reply):
        self.acted = True
        found = self.find(reply, "stop")
        if found is None:
            raise Confused("no choice to keep the existing filing")
        return self.pick(found, reply, "keep the one I have" if self.p.en else "那就不办了，留着原来的")

    def on_filing_category_group(self, reply):
        long = self.p.category in LONG_TERM
        found = self.find(reply, "long_term" if long else "temporary")
        if self.p.en:
            words = "long term" if long else "temporary, short term"
        elif self.p.style == "elderly":
            words = ELDERLY_CATEGORY[self.p.category]
        else:
            words = "长期" if long else "临时的"
        return self.pick(found, reply, words) if found else words

    def on_filing_category(self, reply):
        found = self.find(reply, self.p.category)
        if found is None:
            raise Confused(f"the category {self.p.category} is not offered")
        if self.p.style == "elderly":
            return found["number"]
        mother = self.p.principal == "mother"
        words = CATEGORY_WORDS[self.p.category][(2 if self.p.en else 0) + (1 if mother else 0)]
        return self.pick(found, reply, words)

    def on_filing_start_date(self, reply):
        if self.p.start_in == 0:
            found = self.find(reply, self.today.isoformat())
            if found:
                return self.pick(found, reply, "today" if self.p.en else "今天")
        return self.say_date(self.p.start_in)

    def on_filing_end_date(self, reply):
        if self.p.end_in is None:
            found = (reply.get("choices") or [None])[0]
            if found is None:
                raise Confused("no default end date offered")
            return self.pick(found, reply, "that's fine" if self.p.en else "就按默认的")
        d = self.today + timedelta(days=self.p.end_in)
        if self.p.en:
            return f"until {d.strftime('%B')} {d.day}"
        if self.p.style == "voice":
            return f"大概到{_cn_number(d.month)}月{_cn_number(d.day)}号吧"
        return f"到{d.month}月{d.day}日" if self.p.style != "terse" else d.isoformat()

    def on_filing_materials(self, reply):
        wanted = self.p.materials
        if self.p.refuses_letter and not self.refused_letter:
            wanted = "commitment_letter"
        found = self.find(reply, wanted) or self.find(reply, "documents")
        if found is None:
            raise Confused("no materials choice offered")
        if found["value"] == "commitment_letter":
            words = "the commitment letter" if self.p.en else "签承诺书"
        else:
            words = "I have the documents" if self.p.en else "我有证明材料" if self.p.style != "elderly" else "俺有户口本"
        return self.pick(found, reply, words)

    def on_filing_commitment(self, reply):
        if self.p.refuses_letter and not self.refused_letter:
            self.refused_letter = True
            return "等会儿 承诺书俺不签 俺有户口本"
        found = self.find(reply, "signed")
        return self.pick(found, reply, "I have read it and I promise" if self.p.en else "我已阅读并承诺")

    def on_filing_phone(self, reply):
        if self.p.phone is None:
            found = self.find(reply, "profile")
            if found is None:
                raise Confused("asked for a phone although the profile has none to offer")
            return self.pick(found, reply, "use that one" if self.p.en else "就用这个号")
        return self.say_phone(self.p.phone)

    def on_filing_edit_field(self, reply):
        found = self.find(reply, "treatment_area")
        return self.pick(found, reply, "the city" if self.p.en else "就医地")

    def on_filing_confirmed(self, reply):
        if self.p.first_treatment and not self.corrected:
            self.corrected = True
            self.same_step_expected = True
            city = self.city(self.p.treatment)
            if self.p.en:
                return f"No, the city should be {city}"
            return f"不对，就医地改成{city}" if self.p.style != "elderly" else f"不对不对，是{city}"
        found = self.find(reply, "yes")
        return self.pick(found, reply, "submit" if self.p.en else "确认提交")

    # --- cancel and change ----------------------------------------------------------------

    def _whose(self, reply):
        wanted = (lambda v: v.startswith("member:")) if self.p.principal == "mother" else "self"
        found = self.find(reply, wanted)
        if found is None:
            raise Confused("whose filing: the choice is missing")
        return self.pick(found, reply, ("my mother's" if self.p.en else "我妈的") if self.p.principal == "mother"
                         else ("mine" if self.p.en else "我自己的"))

    on_cancel_principal = _whose
    on_change_principal = _whose

    def _which(self, reply):
        city = self.city(self.p.treatment)
        label = CITIES[self.p.treatment][0]
        found = next((c for c in reply.get("choices") or () if label in c["label"] or city in c["label"]), None)
        return self.pick(found, reply, f"the one in {city}" if self.p.en else f"{city}那个") if found else city

    on_cancel_reference = _which
    on_change_reference = _which

    def on_cancel_confirmed(self, reply):
        self.acted = True
        found = self.find(reply, "confirm")
        return self.pick(found, reply, found["label"])

    def on_change_field(self, reply):
        found = self.find(reply, "treatment_area")
        return self.pick(found, reply, "the city" if self.p.en else "就医地")

    def on_change_treatment_area(self, reply):
        return self.city(self.p.new_treatment)

    def on_change_confirmed(self, reply):
        self.acted = True
        found = self.find(reply, "confirm")
        return self.pick(found, reply, found["label"])

    # --- binding ------------------------------------------------------------------------------

    # --- will my visit settle: the institution and settlement flows ask the same questions -----

    def on_institution_visit_date(self, reply):
        if self.p.visit_in is None:
            return "today" if self.p.en else "今天"
        return self.say_date(self.p.visit_in)

    def on_institution_care(self, reply):
        found = self.find(reply, self.p.visit)
        if found is None:
            raise Confused(f"the kind of care {self.p.visit!r} is not among the choices")
        words = {"inpatient": "住院", "outpatient": "看门诊", "chronic": "慢特病", "pharmacy": "买药"}
        return self.pick(found, reply, self.p.visit.replace("_", " ") if self.p.en else words[self.p.visit])

    def on_institution_disease(self, reply):
        if not self.p.disease:
            raise Confused("asked for a disease the person did not speak of")
        return self.p.disease

    def on_institution_area(self, reply):
        # The person named a hospital, not a city: asked "which city", the hospital is not known.
        raise Confused("asked which city although the person named the hospital")

    def on_institution_institution(self, reply):
        choices = reply.get("choices") or ()
        if self.p.pick:
            found = next((c for c in choices if self.p.pick in c["label"]), None)
            if found is not None:
                return self.pick(found, reply, f"{self.p.pick}那个" if not self.p.en else self.p.pick)
        raise Confused("a list of hospitals was shown although the person named one: "
                       + " / ".join(c["label"] for c in choices))

    def on_settlement_amount(self, reply):
        skip = self.find(reply, "skip")
        return self.pick(skip, reply, "不用算" if not self.p.en else "no") if skip else ("不用算" if not self.p.en else "no")

    on_settlement_visit_date = on_institution_visit_date
    on_settlement_care = on_institution_care
    on_settlement_disease = on_institution_disease
    on_settlement_area = on_institution_area
    on_settlement_institution = on_institution_institution

    def on_bind_name(self, reply):
        name = self.p.bind[0]
        return f"My name is {name}" if self.p.en else f"我叫{name}"

    def on_bind_insured_area(self, reply):
        return self.city(self.p.bind[1])

    def on_bind_id_number(self, reply):
        if self.id_number is None:
            raise Confused("asked for an ID number the profile does not have")
        number = self.id_number
        return f"{number[:6]} {number[6:14]} {number[14:]}" if self.p.style == "voice" else number


class Confused(Exception):
    """The simulated person met a step it cannot answer from its profile."""


# The questions a curious person asks at a step, before answering it (Chinese, English).
QUESTIONS = {
    "filing/materials": ("啥是承诺书", "What is a commitment letter?"),
    "filing/commitment": ("签了这个有啥后果", "What happens if I sign this?"),
    "filing/treatment_area": ("就医地是啥意思", "What does treatment city mean?"),
    "filing/start_date": ("备案是啥意思", "What is a filing?"),
    "filing/phone": ("要电话干啥", "Why do you need my phone?"),
}


def _cn_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


# --- the world: the people personas are ----------------------------------------------------

# role: (name, insured area, birth year, status, female, linked to)
PEOPLE = {
    "retiree": ("王秀英", "210100", 1958, "retired", True),
    "son": ("张伟", "210100", 1985, "working", False),
    "neighbour": ("赵敏", "131000", 1960, "retired", True),
    "worker": ("李强", "340100", 1990, "working", False),
    "shanghai": ("陈静", "310000", 1988, "working", True),
    "beijing": ("孙丽", "110000", 1962, "retired", True),
}


def id_number_for(area: str, birth_year: int, female: bool, rng: random.Random) -> str:
    """Return a valid ID number (GB 11643 check digit) for a birth year, varied by rng."""
    from backend.lib import idnumber

    born = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
    sequence = rng.randrange(50) * 2 * 10 + rng.randrange(5) * 2 + (0 if female else 1)
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + idnumber.check_digit(first17)


@dataclass
class World:
    """The openids of one persona's people (fresh ones per persona) and the ID number a newcomer binds with."""

    openids: dict
    newcomer_id: str | None = None


def build_world(tag: str, seed: int) -> World:
    """Create the people of tests/support/personas.py (and two more areas) for one persona; commits.

    Call inside an app context. The son acts for his consenting mother, as in personas.py.
    """
    from backend.auth import ensure_identity
    from backend.extensions import db
    from tests.support.personas import link, make_person

    rng = random.Random(seed)
    made, openids = {}, {}
    for role, (name, area, year, status, female) in PEOPLE.items():
        number = id_number_for(area, year, female, rng)
        openids[role] = f"{tag}-{role}"
        made[role] = make_person(openids[role], name, number[:17], area, status=status,
                                 phone="139" + f"{rng.randrange(10 ** 8):08d}")
    link(made["son"], made["retiree"], "mother", "son")
    openids["newcomer"] = f"{tag}-newcomer"
    ensure_identity(openids["newcomer"], "dev")
    db.session.commit()
    return World(openids, newcomer_id=id_number_for("210100", 1975, False, rng))


# --- talking over HTTP ------------------------------------------------------------------------

class Api:
    """The two calls a person makes, over a Flask test client or a real HTTP server."""

    def __init__(self, post, get):
        self.post, self.get = post, get

    @classmethod
    def over_test_client(cls, client):
        def post(path, body, token):
            r = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
            return r.status_code, r.get_json()

        def get(path, token):
            r = client.get(path, headers={"Authorization": f"Bearer {token}"})
            return r.status_code, r.get_json()
        return cls(post, get)

    @classmethod
    def over_http(cls, base_url: str):
        import requests

        session = requests.Session()

        def post(path, body, token):
            r = session.post(base_url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            return r.status_code, r.json()

        def get(path, token):
            r = session.get(base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            return r.status_code, r.json()
        return cls(post, get)

    def filings(self, token: str) -> list[dict]:
        status, body = self.get("/api/v1/filings", token)
        return body.get("filings", []) if status == 200 else []


def converse(api: Api, token: str, person: SimulatedPerson) -> Run:
    """Drive one whole conversation: the person speaks first, then answers each reply until done or MAX_TURNS."""
    run = Run(person.p)
    message: str | int | None = person.opening()
    while message is not None:
        if len(run.turns) >= MAX_TURNS:
            run.problem = f"gave up after {MAX_TURNS} messages"
            return run
        body = {"choice": message} if isinstance(message, int) else {"text": message}
        status, reply = api.post("/api/v1/dialog/messages", body, token)
        if status != 200:
            run.turns.append(Turn(message, None, None, f"HTTP {status}: {reply}"))
            run.problem = f"HTTP {status}"
            return run
        run.turns.append(Turn(message, reply.get("flow"), reply.get("state"), reply.get("reply") or ""))
        run.replies.append(reply)
        try:
            message = person.answer(reply)
        except Confused as exc:
            run.problem = str(exc)
            return run
    run.done = True
    return run


# --- outcomes -------------------------------------------------------------------------------

@dataclass
class Result:
    """One persona's result: its runs (earlier ones first), whether the goal was reached and why not."""

    profile: Profile
    runs: list[Run]
    reached: bool
    why: str = ""

    @property
    def turns(self) -> int:
        return len(self.runs[-1].turns) if self.runs else 0

    def report(self) -> str:
        """Return the failure explanation with every transcript."""
        parts = [f"{self.profile.name} ({self.profile.goal}): {self.why}"]
        for run in self.runs:
            parts.append(f" -- {run.profile.name} [{run.profile.goal}]" + (f" problem: {run.problem}" if run.problem
                                                                          else ""))
            parts.append(run.transcript())
        return "\n".join(parts)


def simulate(profile: Profile, api: Api, tokens: dict, world: World, today: date) -> Result:
    """Run a persona's earlier conversations and its own, then check its outcome in the API."""
    runs = []
    for earlier in profile.before:
        run = converse(api, tokens[earlier.who], SimulatedPerson(earlier, today, world.newcomer_id))
        runs.append(run)
        if not run.done:
            return Result(profile, runs, False, f"the earlier conversation {earlier.name} failed: {run.problem}")
        why = check_outcome(earlier, run, api, tokens, {}, today)
        if why:
            return Result(profile, runs, False, f"the earlier conversation {earlier.name}: {why}")
    token = tokens[profile.who]
    before = {f["reference"]: f for f in api.filings(token)}
    run = converse(api, token, SimulatedPerson(profile, today, world.newcomer_id))
    runs.append(run)
    if not run.done:
        return Result(profile, runs, False, run.problem or "not done")
    why = check_outcome(profile, run, api, tokens, before, today)
    return Result(profile, runs, not why, why or "")


def _texts(run: Run) -> str:
    return "\n".join(t.reply for t in run.turns)


def check_outcome(p: Profile, run: Run, api: Api, tokens: dict, before: dict, today: date) -> str | None:
    """Return what is wrong with the outcome in the API, or None when the goal is reached."""
    token = tokens[p.who]
    filings = api.filings(token)
    mine = [f for f in filings if f["for_self"] == (p.principal == "self")]
    new = [f for f in mine if f["reference"] not in before]
    if p.en and any(r.get("language") != "en" for r in run.replies[1:]):
        return "a reply after the switch to English was not in English"
    if p.large_text and not run.replies[-1].get("large_text"):
        return "large text was asked for but the last reply is not in large text"
    if p.goal == "file":
        if len(new) != 1:
            return f"expected one new filing, found {len(new)}"
        f = new[0]
        expected = {
            "status": p.expect_status, "category": p.category, "treatment_area": p.treatment,
            "insured_area": p.insured or None,
            "start_date": (today + timedelta(days=p.start_in)).isoformat(),
        }
        if p.end_in is not None:
            expected["end_date"] = (today + timedelta(days=p.end_in)).isoformat()
        if p.principal == "mother":
            expected["filed_by"] = "son"
        found = {"status": f["status"], "category": f["category"], "treatment_area": f["treatment_area"]["code"],
                 "insured_area": f["insured_area"]["code"] if p.insured else None, "start_date": f["start_date"],
                 "end_date": f["end_date"], "filed_by": f["filed_by"]}
        wrong = {k: (v, found[k]) for k, v in expected.items() if found[k] != v}
        if p.materials == "documents" or p.refuses_letter:
            if "commitment_letter" in (f.get("materials") or []):
                wrong["materials"] = ("documents", f.get("materials"))
        return f"the filing differs (expected, found): {wrong}" if wrong else None
    if p.goal == "second_long_term":
        if any(f["reference"] not in before for f in filings):
            return "a second filing was created"
        existing = [f for f in mine if f["status"] in ACTIVE and f["category"] in LONG_TERM]
        if len(existing) != 1 or existing[0]["reference"] not in _texts(run):
            return "the existing long-term filing was not shown by its reference"
        return None
    if p.goal == "cancel":
        target = [f for f in mine if f["treatment_area"]["code"] == p.treatment]
        if not target or any(f["status"] != "cancelled" for f in target):
            return f"the filing in {p.treatment} is not cancelled: {[f['status'] for f in target]}"
        return None
    if p.goal == "change":
        old = [f for f in mine if f["treatment_area"]["code"] == p.treatment]
        moved = [f for f in mine if f["treatment_area"]["code"] == p.new_treatment and f["status"] in ACTIVE]
        active = [f for f in mine if f["status"] in ACTIVE]
        if not moved or len(active) != 1 or any(f["status"] in ACTIVE for f in old):
            return (f"expected one active filing in {p.new_treatment}, found "
                    f"{[(f['treatment_area']['code'], f['status']) for f in mine]}")
        return None
    answer = run.turns[-1].reply
    if p.goal == "status":
        target = next((f for f in mine if f["treatment_area"]["code"] == p.treatment), None)
        if target is None:
            return "no filing to ask about"
        words = {"approved": ("已通过", "approved"), "pending_review": ("审核", "review")}[target["status"]]
        if CITIES[p.treatment][0] not in answer and CITIES[p.treatment][2] not in answer:
            return "the status answer does not name the filing's city"
        if not any(w in answer for w in words):
            return f"the status answer does not say {words}"
        return None
    if p.goal == "settle":
        return _settle_outcome(p, answer)
    if p.goal == "who_filed":
        target = next((f for f in filings if f["filed_by"] != "self"), None)
        if target is None:
            return "no filing made by someone else"
        if target["filed_by_name"] not in answer and not re.search(r"儿子|son", answer):
            return "the answer does not name who filed"
        return None
    return f"unknown goal {p.goal}"


# "帮您查能不能直接结算" (the question repeated) is neither answer.
_SAYS_NO = re.compile(r"(?<!能)不能直接结算|(?<!能)不能：|还不能|will not settle|could not settle|Not yet")
_SAYS_YES = re.compile(r"能。|可以直接结算|能直接结算|Yes\.|will settle directly")


def _settle_outcome(p: Profile, answer: str) -> str | None:
    """The last reply must say the right yes or no, name the hospital and carry the key reason."""
    said = False if _SAYS_NO.search(answer) else True if _SAYS_YES.search(answer) else None
    if said is None:
        return "the answer says neither yes nor no"
    if said != p.settles:
        return f"the answer says {'yes' if said else 'no'}, the truth is {'yes' if p.settles else 'no'}"
    missing = [w for w in (p.hospital,) + p.reason if w and w not in answer]
    if missing:
        return f"the answer does not say {missing}"
    wrong = [w for w in p.never if w in answer]
    return f"the answer says {wrong}" if wrong else None


# --- the personas ----------------------------------------------------------------------------

def _file(name, who, **kw) -> Profile:
    insured = kw.pop("insured", PEOPLE[who][1] if who in PEOPLE else "")
    return Profile(name=name, who=who, goal="file", insured=insured, **kw)


SY, SZ, SUZ, BJ, SH, HF, LF, HZ, GZ, NJ, TJ = (
    "210100", "440300", "320500", "110000", "310000", "340100", "131000", "330100", "440100", "320100", "120000")

MOTHER_TEMP_BJ = _file("son files a trip to Beijing for his mother", "son", principal="mother", treatment=BJ,
                       category="other_temporary", start_in=2, end_in=60, style="terse")
WORKER_TEMP_BJ = _file("worker files a business trip to Beijing", "worker", treatment=BJ, category="other_temporary",
                       start_in=1, end_in=30, style="terse")
MOTHER_RESETTLED_SZ = _file("son files his mother's move to Shenzhen", "son", principal="mother", treatment=SZ,
                            category="retiree_resettled", start_in=9, style="terse")
# For "will my visit settle": the clock of the tests is Sunday 2026-11-22, so 9 days on is 12月1日.
RETIREE_SZ = _file("retiree resettles in Shenzhen from 12月1日", "retiree", treatment=SZ, category="retiree_resettled",
                   start_in=9, style="terse")
WORKER_SZ_PENDING = _file("worker living in Shenzhen files with documents", "worker", treatment=SZ,
                          category="long_term_resident", materials="documents", expect_status="pending_review")
WORKER_TEMP_SH = _file("worker files a business trip to Shanghai", "worker", treatment="310000",
                       category="other_temporary", start_in=1, end_in=30, style="terse")
SON_POSTED_SZ = _file("son posted to Shenzhen from 12月1日", "son", treatment=SZ, category="posted_worker", start_in=9,
                      style="terse")


def _settle(name, who, opening, settles, **kw) -> Profile:
    return Profile(name=name, who=who, goal="settle", opening=opening, settles=settles, **kw)


SETTLE_PERSONAS: tuple[Profile, ...] = (
    _settle("retiree asks about 深圳市人民医院 on her filing's first day", "retiree",
            "我12月1号去深圳市人民医院看门诊能直接结算吗", True, visit="outpatient", visit_in=9,
            hospital="深圳市人民医院", before=(RETIREE_SZ,)),
    _settle("retiree asks about 北大深圳医院 next Tuesday, a week before her filing starts", "retiree",
            "我下周二去北大深圳医院住院，能直接结算吗", False, visit="inpatient", visit_in=2,
            hospital="北京大学深圳医院", reason=("12月1日起生效",), before=(RETIREE_SZ,)),
    _settle("mother, filed by her son, asks about 港大深圳医院 in her own words", "retiree",
            "俺12月10号去港大深圳医院住院 能直接结算不", True, visit="inpatient", visit_in=18, style="elderly",
            hospital="香港大学深圳医院", before=(MOTHER_RESETTLED_SZ,)),
    _settle("worker whose filing is under review asks about 深圳市人民医院", "worker",
            "深圳市人民医院住院能直接结算吗", False, visit="inpatient", hospital="深圳市人民医院",
            reason=("还在审核",), never=("公里",), before=(WORKER_SZ_PENDING,)),
    _settle("worker on a Beijing trip asks about 协和 inside the trip", "worker",
            "下周三在协和医院住院能直接结算吗", True, visit="inpatient", visit_in=3, hospital="北京协和医院",
            before=(WORKER_TEMP_BJ,)),
    _settle("worker asks about 北医三院 after his Beijing trip has ended", "worker",
            "2027年1月5日去北医三院看门诊能直接结算吗", False, visit="outpatient", visit_in=44,
            hospital="北京大学第三医院", reason=("过期",), before=(WORKER_TEMP_BJ,)),
    _settle("retiree asks about outpatient care at 福田区人民医院 (inpatient only)", "retiree",
            "12月3日在福田区人民医院看门诊能直接结算吗", False, visit="outpatient", visit_in=11,
            hospital="福田区人民医院", reason=("没有开通普通门诊",), never=("公里",), before=(RETIREE_SZ,)),
    _settle("neighbour without a filing names 协和, a name three cities share", "neighbour",
            "协和医院住院能直接结算吗", False, visit="inpatient", pick="北京", hospital="北京协和医院",
            reason=("没有有效的备案",)),
    _settle("worker on a Shanghai trip asks about 中山医院 (also one in Xiamen)", "worker",
            "后天去中山医院看门诊能直接结算吗", True, visit="outpatient", visit_in=2, hospital="复旦大学附属中山医院",
            never=("厦门",), before=(WORKER_TEMP_SH,)),
    _settle("worker on a Shanghai trip is admitted to 瑞金医院, not the town of Ruijin", "worker",
            "下周一住院，在瑞金医院，能直接结算吗", True, visit="inpatient", visit_in=1, hospital="瑞金医院",
            never=("赣州",), before=(WORKER_TEMP_SH,)),
    _settle("worker on a Shanghai trip says 市一院", "worker", "11月25日去市一院看门诊能结算吗", True,
            visit="outpatient", visit_in=3, hospital="上海市第一人民医院", never=("南京",), before=(WORKER_TEMP_SH,)),
    _settle("retiree on dialysis without the qualification asks about 深圳市人民医院", "retiree",
            "12月3日我要透析，在深圳市人民医院能直接结算吗", False, visit="chronic", visit_in=11, disease="透析",
            hospital="深圳市人民医院", reason=("资格认定",), before=(RETIREE_SZ,)),
    _settle("English speaker asks about 北京大学深圳医院 in his filing", "son",
            "Will my inpatient stay at 北京大学深圳医院 on December 5 settle directly?", True, visit="inpatient",
            visit_in=13, style="english", english_first=True, hospital="北京大学深圳医院", before=(SON_POSTED_SZ,)),
    _settle("retiree in large text asks about 深圳市人民医院 in December", "retiree",
            "俺12月5号去深圳市人民医院看病 能直接结算不", True, visit="outpatient", visit_in=13, style="elderly",
            large_text=True, before=(RETIREE_SZ,)),
)

PERSONAS: tuple[Profile, ...] = (
    # Filing for oneself: six categories, areas that do and do not take a commitment letter.
    _file("posted worker, terse, Suzhou", "worker", treatment=SUZ, category="posted_worker", style="terse"),
    _file("posted worker, voice run-on, Hangzhou", "worker", treatment=HZ, category="posted_worker", style="voice"),
    _file("worker living in Shenzhen with documents", "worker", treatment=SZ, category="long_term_resident",
          materials="documents", expect_status="pending_review"),
    WORKER_TEMP_BJ,
    _file("worker admitted as an emergency in Shanghai three days ago", "worker", treatment=SH, category="emergency",
          start_in=-3, style="elderly"),
    _file("worker referred to Nanjing, in English", "worker", treatment=NJ, category="referral", style="english",
          english_first=True, materials="documents", expect_status="pending_review"),
    _file("retiree moves to Shenzhen, colloquial", "retiree", treatment=SZ, category="retiree_resettled",
          style="elderly"),
    _file("retiree moves to Guangzhou, traditional characters", "retiree", treatment=GZ,
          category="retiree_resettled", style="traditional"),
    _file("retiree visits Beijing for two months", "retiree", treatment=BJ, category="other_temporary", start_in=5,
          end_in=65, style="elderly"),
    _file("Langfang retiree resettles in Beijing", "neighbour", treatment=BJ, category="retiree_resettled",
          style="elderly"),
    _file("Langfang neighbour's emergency in Tianjin", "neighbour", treatment=TJ, category="emergency", start_in=-1),
    _file("Shanghai worker posted to Suzhou (no commitment letters in Shanghai)", "shanghai", treatment=SUZ,
          category="posted_worker", materials="documents", expect_status="pending_review"),
    _file("Shanghai worker living in Hefei, in English", "shanghai", treatment=HF, category="long_term_resident",
          style="english", english_first=True, materials="documents", expect_status="pending_review"),
    _file("Shanghai worker referred to Beijing, terse", "shanghai", treatment=BJ, category="referral",
          style="terse", materials="documents", expect_status="pending_review"),
    _file("Beijing retiree resettles in Langfang", "beijing", treatment=LF, category="retiree_resettled",
          style="plain"),
    _file("Beijing retiree's trip to Hangzhou, voice", "beijing", treatment=HZ, category="other_temporary",
          start_in=3, end_in=90, style="voice"),
    # The son acting for his consenting mother.
    MOTHER_RESETTLED_SZ,
    _file("son files his mother's move to Guangzhou in English", "son", principal="mother", treatment=GZ,
          category="retiree_resettled", style="english", english_first=True),
    MOTHER_TEMP_BJ,
    _file("son files his mother's emergency in Shanghai, voice", "son", principal="mother", treatment=SH,
          category="emergency", start_in=-2, style="voice"),
    _file("son files his mother's referral to Beijing, traditional", "son", principal="mother", treatment=BJ,
          category="referral", style="traditional", materials="documents", expect_status="pending_review"),
    _file("son files his mother's long stay in Suzhou with documents", "son", principal="mother", treatment=SUZ,
          category="long_term_resident", materials="documents", expect_status="pending_review"),
    _file("son files for himself, posted to Shenzhen", "son", treatment=SZ, category="posted_worker", style="terse"),
    # Questions mid-way, changes of mind, large text.
    _file("worker asks what a commitment letter is", "worker", treatment=SUZ, category="posted_worker",
          asks=("filing/materials",)),
    _file("retiree asks what signing means and why a phone", "retiree", treatment=SZ, category="retiree_resettled",
          style="elderly", asks=("filing/commitment", "filing/phone")),
    _file("English speaker asks what a commitment letter is", "worker", treatment=SZ, category="posted_worker",
          style="english", english_first=True, asks=("filing/materials",)),
    _file("worker says Suzhou, corrects to Nanjing at the summary", "worker", treatment=NJ, first_treatment=SUZ,
          category="posted_worker"),
    _file("son says Shenzhen for his mother, corrects to Guangzhou", "son", principal="mother", treatment=GZ,
          first_treatment=SZ, category="retiree_resettled"),
    _file("retiree picks the letter, then keeps her household register", "retiree", treatment=SZ,
          category="retiree_resettled", style="elderly", refuses_letter=True, materials="documents",
          expect_status="pending_review"),
    _file("retiree who cannot read small text", "retiree", treatment=GZ, category="retiree_resettled",
          style="elderly", large_text=True),
    _file("neighbour asks for large text first", "neighbour", treatment=BJ, category="other_temporary", start_in=4,
          end_in=40, large_text=True),
    # Binding inside the chat first.
    _file("newcomer binds in the chat, then files", "newcomer", insured=SY, treatment=SZ,
          category="long_term_resident", phone="13802415566", bind=("周明", SY)),
    _file("newcomer binds by voice and gives a spoken phone", "newcomer", insured=SY, treatment=BJ,
          category="other_temporary", start_in=3, end_in=30, style="voice", phone="13802415566", bind=("周明", SY)),
    _file("newcomer binds in English", "newcomer", insured=SY, treatment=SH, category="posted_worker",
          style="english", english_first=True, phone="13802415566", bind=("周明", SY)),
    # Status, who filed.
    Profile("worker asks whether his trip filing is done", "worker", "status", treatment=BJ,
            before=(WORKER_TEMP_BJ,)),
    Profile("son asks whether his mother's filing is done", "son", "status", principal="mother", treatment=SZ,
            before=(MOTHER_RESETTLED_SZ,)),
    Profile("Shanghai worker asks about her filing under review", "shanghai", "status", treatment=SUZ,
            before=(_file("Shanghai worker files with documents", "shanghai", treatment=SUZ, category="posted_worker",
                          materials="documents", expect_status="pending_review"),)),
    Profile("son asks in English whether his mother's filing is approved", "son", "status", principal="mother",
            treatment=BJ, style="english", english_first=True, before=(MOTHER_TEMP_BJ,)),
    Profile("mother asks who filed for her", "retiree", "who_filed", style="elderly",
            before=(MOTHER_RESETTLED_SZ,)),
    Profile("mother asks in English who filed", "retiree", "who_filed", style="english", english_first=True,
            before=(MOTHER_TEMP_BJ,)),
    # Cancel and change unlocked (temporary) filings.
    Profile("worker cancels his trip filing", "worker", "cancel", treatment=BJ, before=(WORKER_TEMP_BJ,)),
    Profile("son cancels his mother's trip filing", "son", "cancel", principal="mother", treatment=BJ,
            before=(MOTHER_TEMP_BJ,)),
    Profile("retiree cancels her own trip, colloquial", "retiree", "cancel", treatment=BJ, style="elderly",
            opening="不去北京了 那个备案不要了",
            before=(_file("retiree files a Beijing trip", "retiree", treatment=BJ, category="other_temporary",
                          start_in=5, end_in=65),)),
    Profile("worker changes his trip filing to Shanghai", "worker", "change", treatment=BJ, new_treatment=SH,
            before=(WORKER_TEMP_BJ,)),
    Profile("son changes his mother's trip to Guangzhou", "son", "change", principal="mother", treatment=BJ,
            new_treatment=GZ, before=(MOTHER_TEMP_BJ,)),
    Profile("English worker changes his trip to Shanghai", "worker", "change", treatment=BJ, new_treatment=SH,
            style="english", english_first=True, before=(WORKER_TEMP_BJ,)),
    # A second long-term filing is refused, showing the first.
    Profile("worker tries a second long-term filing", "worker", "second_long_term", treatment=SZ,
            category="posted_worker", insured=HF,
            before=(_file("worker posted to Suzhou", "worker", treatment=SUZ, category="posted_worker"),)),
    Profile("son files his mother's move again", "son", "second_long_term", principal="mother", treatment=SZ,
            category="retiree_resettled", insured=SY, before=(MOTHER_RESETTLED_SZ,)),
    Profile("retiree tries Guangzhou after Shenzhen", "retiree", "second_long_term", treatment=GZ,
            category="retiree_resettled", insured=SY, style="elderly",
            before=(_file("retiree resettles in Shenzhen", "retiree", treatment=SZ, category="retiree_resettled"),)),
) + SETTLE_PERSONAS


# --- the command line ------------------------------------------------------------------------

def _served_world(tag: str, seed: int):
    """Create one persona's people in the served app's database and return (world, tokens)."""
    from backend import create_app
    from backend.auth import ensure_identity, issue_token
    from backend.extensions import db

    app = create_app()
    if app.config["APP_ENV"] not in ("development", "testing"):
        # Like `flask dev-token`: tokens for made-up people must never be issued in production.
        raise SystemExit("the simulation runs only with APP_ENV=development or testing")
    with app.app_context():
        world = build_world(tag, seed)
        tokens = {role: issue_token(ensure_identity(openid, "dev")) for role, openid in world.openids.items()}
        db.session.commit()
    return world, tokens


def main(argv=None) -> int:
    """Run every persona against a served app and print a table; exit 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--only", default="", help="run the personas whose name contains this text")
    parser.add_argument("--verbose", action="store_true", help="print every transcript, not only the failures")
    args = parser.parse_args(argv)
    api = Api.over_http(args.base_url.rstrip("/"))
    run_tag = f"sim{random.randrange(16 ** 6):06x}"
    results = []
    for n, profile in enumerate(p for p in PERSONAS if args.only in p.name):
        world, tokens = _served_world(f"{run_tag}-{n}", random.randrange(2 ** 32))
        results.append(simulate(profile, api, tokens, world, date.today()))
    width = max(len(r.profile.name) for r in results)
    print(f"{'persona':<{width}}  {'goal':<16} turns  reached")
    for r in results:
        print(f"{r.profile.name:<{width}}  {r.profile.goal:<16} {r.turns:>5}  {'yes' if r.reached else 'NO'}")
    print(f"\n{sum(r.reached for r in results)}/{len(results)} reached their goal")
    for r in results:
        if args.verbose or not r.reached:
            print("\n" + r.report())
    return 0 if all(r.reached for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
