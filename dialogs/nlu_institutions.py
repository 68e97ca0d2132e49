"""Institutions named in free text: full names, common short names and abbreviations.

"我下周二去深圳市人民医院看门诊", "住院，在瑞金医院", "协和能直接结算吗", "北大深圳医院": people name the
hospital, rarely the city. The index finds every mention, longest first, and keeps every
institution a mention can mean ("协和" is a hospital in Beijing, Fuzhou and Wuhan); `resolve` then
narrows it to the areas being discussed (the treatment area asked about, the person's filings,
an area named in the sentence).

Names come from the reference data: each institution's full name, the aliases stored with it
(the sample institutions carry realistic ones) and two variants derived from the full name that
people commonly say: the city without 市 ("深圳人民医院") and 中医院 for 中医医院.

The lookup is a dictionary keyed by a name's first two characters, so finding mentions costs
a few dictionary reads per character of the message, whatever the number of institutions.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_CITY_PREFIX = re.compile(r"^([\u4e00-\u9fff]{2,3})市(?=[\u4e00-\u9fff]{2,}(医院|中心|院)$)")
# "深圳市福田区人民医院" is said "福田区人民医院": the city dropped before a district's own hospital.
_CITY_BEFORE_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{2,3}市(?=[\u4e00-\u9fff]{1,4}[区县])")
# Short names that only mean something inside a city ("市一院", "区人民医院", "中医院"): they count only
# where their city is being discussed.
_GENERIC = re.compile(r"^(?:[市省区县]|第[一二三四五六七八九十]|自治区|中医院$|人民医院$|.院$)")
_NUMBERED = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}市)第([一二三四五六七八九十]{1,2})人民医院$")
_CITY_PEOPLES = re.compile(r"^[\u4e00-\u9fff]{2,3}市(人民医院|中医院|中医医院|妇幼保健院|儿童医院)$")


@dataclass(frozen=True)
class InstitutionName:
    """An institution a name can mean."""

    code: str
    name: str
    area_code: str
    district_code: str | None = None
    level: str = ""


@dataclass(frozen=True)
class InstitutionMention:
    """Words in a message that name one or more institutions; start/end index the message."""

    start: int
    end: int
    said: str
    candidates: tuple[InstitutionName, ...]
    full: bool  # the words are a full name (or a variant of one), not a short alias
    generic: bool = False  # a short name that means something only inside its city ("市一院")


def variants(name: str) -> set[str]:
    """Full-name variants people say: without the city's 市, and 中医院 for 中医医院."""
    out = {name}
    for v in list(out):
        out.add(_CITY_PREFIX.sub(r"\1", v))
        out.add(_CITY_BEFORE_DISTRICT.sub("", v))
    for v in list(out):
        if "中医医院" in v:
            out.add(v.replace("中医医院", "中医院"))
    return {v for v in out if len(v) >= 2}


def short_forms(name: str) -> list[str]:
    """What locals call a city's numbered or main hospital: 深圳市第二人民医院 -> 市二医院, 市二院, 第二人民医院.

    Each means something only inside its city (generic), so it counts where that city is discussed.
    """
    m = _NUMBERED.match(name)
    if m:
        n = m[1]
        return [f"市{n}医院", f"市{n}院", f"第{n}人民医院", f"市第{n}人民医院"]
    m = _CITY_PEOPLES.match(name)
    if m:
        return [f"市{m[1]}"] + (["市医院"] if m[1] == "人民医院" else [])
    return []


class InstitutionNames:
    """Index of institution names and aliases for mention finding (longest first, no overlaps)."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str | None, str, Iterable[str]]]):
        # said -> [(institution, full)]
        self._names: dict[str, list[tuple[InstitutionName, bool]]] = {}
        for code, name, area, district, level, aliases in rows:
            inst = InstitutionName(code, name, area, district, level)
            for said in variants(name):
                self._add(said, inst, True)
            for alias in [*aliases, *short_forms(name)]:
                alias = alias.strip()
                if len(alias) >= 2:
                    self._add(alias, inst, False)
                if alias.endswith("医院") and len(alias) >= 6:
                    # "北大深圳" for 北大深圳医院: a long short name is said without its 医院 too.
                    self._add(alias[:-2], inst, False)
        # first two characters -> lengths of names starting with them, longest first
        lengths: dict[str, set[int]] = {}
        for said in self._names:
            lengths.setdefault(said[:2], set()).add(len(said))
        self._lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}

    def _add(self, said: str, inst: InstitutionName, full: bool) -> None:
        entries = self._names.setdefault(said, [])
        for i, (known, was_full) in enumerate(entries):
            if known.code == inst.code:
                entries[i] = (known, was_full or full)
                return
        entries.append((inst, full))

    def __len__(self) -> int:
        return len(self._names)

    def find(self, text: str) -> list[InstitutionMention]:
        """Return the institution mentions of a message, longest first, without overlaps, in text order."""
        found = []
        n = len(text)
        for i in range(n - 1):
            for length in self._lengths.get(text[i:i + 2], ()):
                if i + length <= n and text[i:i + length] in self._names:
                    found.append((i, i + length))
                    break  # the longest name starting here
        chosen: list[tuple[int, int]] = []
        for start, end in sorted(found, key=lambda s: (s[0] - s[1], s[0])):
            if all(end <= a or start >= b for a, b in chosen):
                chosen.append((start, end))
        mentions = []
        for start, end in sorted(chosen):
            entries = self._names[text[start:end]]
            full = any(full for _, full in entries)
            mentions.append(InstitutionMention(start, end, text[start:end], tuple(e[0] for e in entries), full,
                                               not full and bool(_GENERIC.match(text[start:end]))))
        return mentions


def resolve(mention: InstitutionMention, focus: Iterable[str]) -> tuple[InstitutionName, ...]:
    """Narrow a mention to the areas being discussed, when any of its institutions is there."""
    areas = set(filter(None, focus))
    inside = tuple(c for c in mention.candidates if c.area_code in areas)
    return inside or mention.candidates
