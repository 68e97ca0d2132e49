"""Area gazetteer: find mentions of Chinese administrative areas in free text."""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2}
# Tolerate other spellings a data source might use for the three levels.
_LEVEL_SYNONYMS = {
    "city": "prefecture", "district": "county", "1": "province",
    "2": "prefecture", "3": "county",
}

# County names that are ordinary words (or generic district names shared by
# dozens of cities), so a bare mention says nothing about a specific place.
COUNTY_STOP_WORDS = frozenset({
    "城区", "郊区", "新区", "高新", "高新区", "开发区", "市辖区", "矿区", "经开",
    "东区", "西区", "南区", "北区", "中区", "市中", "新城", "城关",
    "城东", "城西", "城南", "城北", "城中", "江南", "江北", "河东", "河西",
    "铁东", "铁西", "平安", "和平", "长安", "新华", "东方", "白云", "青山",
})
# Placeholder rows some data sets carry; they are not places people name.
_NON_PLACE_NAMES = frozenset({
    "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划",
})
_SUFFIXES = (
    "特别行政区", "自治区", "自治州", "自治县", "自治旗", "省", "市", "地区",
    "盟", "林区", "区", "县", "旗",
)
_ETHNIC_TAIL = re.compile(
    r"^(.{2,}?)(?:(?:维吾尔|哈萨克|柯尔克孜|土家|布依|哈尼|傈僳|景颇|蒙古|朝鲜|"
    r"撒拉|仡佬|仫佬|毛南|纳西|普米|独龙|拉祜|阿昌|德昂|布朗|基诺|达斡尔|"
    r"鄂温克|鄂伦春|锡伯|裕固|保安|东乡|塔吉克|壮|回|藏|苗|侗|彝|傣|白|羌|黎|"
    r"瑶|畲|满|土|水|怒|佤|京|各)族?)+$"
)


@dataclass(frozen=True)
class AreaEntry:
    """One administrative area; pool_code is its medical-insurance pool."""

    code: str
    name: str
    short_name: str
    pool_code: str
    level: str
    province_code: str


@dataclass(frozen=True)
class AreaMatch:
    """A mention of an area: text[start:end] == surface."""

    entry: AreaEntry
    start: int
    end: int
    surface: str


def derive_short_name(name: str) -> str:
    """Strip the administrative suffix from an area name ("广东省" -> "广东")."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            if suffix.startswith("自治") or suffix == "特别行政区":
                m = _ETHNIC_TAIL.match(stem)
                stem = m.group(1) if m else stem
            return stem
    return name


class Gazetteer:
    """Index of area names for fast, longest-first mention finding."""

    def __init__(self, entries: Iterable[AreaEntry]):
        self._by_code: dict[str, AreaEntry] = {}
        self._latin: dict[str, AreaEntry] | None = None
        self._sounds: dict | None = None
        for e in entries:
            self._by_code[e.code] = e
        # alias -> {code: (weak, entry)}; weak candidates are only chosen when
        # another mention in the same text points at their province or pool.
        raw: dict[str, dict[str, tuple[bool, AreaEntry]]] = {}

        def add(alias: str, entry: AreaEntry, weak: bool = False) -> None:
            if len(alias) < 2 or alias in _NON_PLACE_NAMES:
                return
            slot = raw.setdefault(alias, {})
            old = slot.get(entry.code)
            if old is None or (old[0] and not weak):
                slot[entry.code] = (weak, entry)

        upper = [e for e in self._by_code.values() if e.level != "county"]
        upper_forms = {e.code: self._forms(e) for e in upper}
        for e in upper:
            for form in upper_forms[e.code]:
                add(form, e)
        # Any substring of a province/prefecture name is too ambiguous to be a
        # county on its own (朝阳 is 朝阳市 first, 朝阳区 only with context).
        upper_substrings = set()
        for forms in upper_forms.values():
            for form in forms:
                for i in range(len(form)):
                    for j in range(i + 2, len(form) + 1):
                        upper_substrings.add(form[i:j])

        for e in self._by_code.values():
            parents = self._parents(e)
            if e.level == "county":
                if e.name in COUNTY_STOP_WORDS:
                    continue
                add(e.name, e)
                short = self._short(e)
                if short != e.name and short not in COUNTY_STOP_WORDS:
                    add(short, e, weak=short in upper_substrings)
                county_forms = {e.name, short} - COUNTY_STOP_WORDS
            else:
                county_forms = upper_forms[e.code]
            # "北京朝阳", "辽宁沈阳", "广东省深圳市": a parent prefix settles it.
            for parent in parents:
                for prefix in upper_forms.get(parent.code, ()):
                    for form in county_forms:
                        if len(form) >= 2:
                            add(prefix + form, e)

        self._aliases: dict[str, tuple[tuple[bool, AreaEntry], ...]] = {
            alias: tuple(sorted(
                cands.values(),
                key=lambda c: (c[0], LEVEL_RANK.get(c[1].level, 3), c[1].code),
            ))
            for alias, cands in raw.items()
        }
        lengths: dict[str, set[int]] = {}
        for alias in self._aliases:
            lengths.setdefault(alias[0], set()).add(len(alias))
        self._lengths = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()}

    @staticmethod
    def _short(e: AreaEntry) -> str:
        return e.short_name or derive_short_name(e.name)

    def _forms(self, e: AreaEntry) -> set[str]:
        forms = {e.name, self._short(e), derive_short_name(e.name)}
        return {f for f in forms if len(f) >= 2 and f not in _NON_PLACE_NAMES}

    def _parents(self, e: AreaEntry) -> list[AreaEntry]:
        codes = {e.province_code, e.pool_code}
        if e.level == "county":
            codes.add(e.code[:4] + "00")
        codes.discard(e.code)
        found = (self._by_code.get(c) for c in sorted(codes))
        return [p for p in found if p is not None and p.level != "county"]

    @classmethod
    def from_csv(cls, path: str | Path) -> "Gazetteer":
        """Load a gazetteer from the areas CSV (code,name,short_name,level,...)."""
        entries = []
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                code = (row.get("code") or "").strip()
                name = (row.get("name") or "").strip()
                if not code or not name:
                    continue
                level = (row.get("level") or "").strip().lower()
                entries.append(AreaEntry(
                    code=code,
                    name=name,
                    short_name=(row.get("short_name") or "").strip(),
                    # Empty for a province that pools by city: it names no co-ordination area.
                    pool_code=(row.get("pool_code") or "").strip(),
                    level=_LEVEL_SYNONYMS.get(level, level),
                    province_code=(row.get("province_code") or "").strip() or code[:2] + "0000",
                ))
        return cls(entries)

    def latin_names(self) -> dict[str, AreaEntry]:
        """Return the English / pinyin names of provinces and co-ordination areas ("shenzhen", "harbin")."""
        if self._latin is None:
            self._latin = _latin_index(self._by_code.values())
        return self._latin

    def translate_latin(self, text: str) -> str:
        """Replace English and pinyin place names in lower-case text by their Chinese short names."""
        if not _LATIN_WORD.search(text):
            return text
        names = self.latin_names()

        def one(word: str) -> str:
            entry = names.get(word)
            return self._short(entry) if entry is not None else word

        def swap(m: re.Match) -> str:
            entry = names.get(re.sub(r"[\s'\-]", "", m[0]))
            if entry is not None:
                return self._short(entry)
            return re.sub(r"[a-z]+", lambda w: one(w[0]), m[0])

        return _LATIN_PLACE.sub(swap, text)

    def display_name(self, code: str | None, lang: str = "zh_CN") -> str:
        """Return an area's name as a reply shows it: 深圳市, or "Shenzhen" in English."""
        entry = self._by_code.get(str(code)) if code else None
        if entry is None:
            return code or ""
        if not str(lang).startswith("en"):
            return entry.name
        english = ENGLISH_NAMES.get(entry.code)
        if english:
            return english
        from pypinyin import Style, lazy_pinyin

        short = entry.short_name or derive_short_name(entry.name)
        return "".join(lazy_pinyin(short, style=Style.NORMAL, errors="ignore")).capitalize() or entry.name

    def sounds_like(self, text: str) -> AreaEntry | None:
        """Return the one prefecture or province whose name sounds like the text (杭洲, 深证, 哈尔宾), if any.

        Typed by sound, names come out in the right pinyin but wrong characters; southern speakers also
        fold zh/z, ch/c, sh/s and -ng/-n, so those are folded too. Only an unambiguous sound counts.
        """
        if self._sounds is None:
            self._sounds = _sound_index(self._by_code.values())
        key = _sound(re.sub(r"[^\u4e00-\u9fff]", "", text))
        for suffix in ("shi", "si"):
            if key.endswith(suffix) and key[:-len(suffix)] in self._sounds:
                key = key[:-len(suffix)]
        found = self._sounds.get(key)
        return found if found is not None and found is not _AMBIGUOUS else None

    def __len__(self) -> int:
        return len(self._by_code)

    def within(self, text: str, pool_code: str) -> AreaEntry | None:
        """Return the county of a given co-ordination area that the text names (南山区 in 深圳, not 鹤岗)."""
        best = None
        for alias, candidates in self._aliases.items():
            if len(alias) >= 2 and alias in text:
                for _weak, entry in candidates:
                    if entry.level == "county" and entry.pool_code == pool_code and (
                            best is None or len(alias) > best[0]):
                        best = (len(alias), entry)
        return best[1] if best else None

    def lookup(self, code) -> AreaEntry | None:
        """Return the entry with this area code, if any."""
        return self._by_code.get(str(code).strip())

    def find(self, text: str) -> list[AreaMatch]:
        """Return non-overlapping area mentions, longest first, in text order."""
        aliases, lengths, n = self._aliases, self._lengths, len(text)
        candidates = []
        for i, ch in enumerate(text):
            for length in lengths.get(ch, ()):
                if i + length <= n:
                    cands = aliases.get(text[i:i + length])
                    if cands:
                        candidates.append((-length, i, cands))
        if not candidates:
            return []
        candidates.sort(key=lambda c: (c[0], c[1]))
        taken = bytearray(n)
        chosen = []
        for neg_len, i, cands in candidates:
            end = i - neg_len
            if any(taken[i:end]):
                continue
            taken[i:end] = b"\x01" * (end - i)
            chosen.append((i, end, cands))
        chosen.sort(key=lambda c: c[0])
        return self._disambiguate(text, chosen)

    @staticmethod
    def _disambiguate(text, chosen) -> list[AreaMatch]:
        # Context = provinces/pools of every mention's default reading, so that
        # "北京...朝阳" can pull 朝阳 towards the Beijing district.
        defaults = [next((e for weak, e in c if not weak), None) for _, _, c in chosen]
        matches = []
        for idx, (start, end, cands) in enumerate(chosen):
            context = set()
            for j, d in enumerate(defaults):
                if j != idx and d is not None:
                    context.update((d.code, d.province_code, d.pool_code))
            pick = defaults[idx]
            if len(cands) > 1 and context:
                pick = next((e for _, e in cands
                             if e.province_code in context or e.pool_code in context), pick)
            if pick is not None:
                matches.append(AreaMatch(pick, start, end, text[start:end]))
        return matches


_LATIN_WORD = re.compile(r"[a-z]{3,}")
# One or two words ("xi'an", "inner mongolia", "hong kong"); the longer reading is tried first.
_LATIN_PLACE = re.compile(r"(?<![a-z])[a-z]+(?:['\-\s][a-z]+)?(?![a-z])")
# English names that are not the pinyin of the Chinese name, and pinyin shared by several cities
# where one is far more often meant (苏州 rather than 宿州, 福州 rather than 抚州).
EXONYMS = {
    "harbin": "230100", "xian": "610100", "urumqi": "650100", "hohhot": "150100", "lhasa": "540100",
    "innermongolia": "150000", "tibet": "540000", "canton": "440100", "peking": "110000",
    "suzhou": "320500", "fuzhou": "350100", "taizhou": "331000", "yichun": "360900", "hengyang": "430400",
}
# Words that happen to be pinyin of a place but are ordinary English.
_NOT_PLACES = frozenset({"an", "he", "me", "she", "to", "in", "long", "man", "bin", "dan", "hang", "ning", "yan"})


def _latin_index(entries) -> dict[str, AreaEntry]:
    """Map pinyin (and common English names) of provinces and prefectures to their entries."""
    from pypinyin import Style, lazy_pinyin  # imported here: only English-speaking sessions need it

    by_code = {e.code: e for e in entries}
    index: dict[str, AreaEntry] = {}
    for e in sorted(by_code.values(), key=lambda e: (LEVEL_RANK.get(e.level, 3), e.code)):
        if e.level == "county":
            continue
        short = e.short_name or derive_short_name(e.name)
        key = "".join(lazy_pinyin(short, style=Style.NORMAL, errors="ignore")).lower()
        if len(key) >= 4 and key not in _NOT_PLACES:
            index.setdefault(key, e)
    for name, code in EXONYMS.items():
        if code in by_code:
            index[name] = by_code[code]
    return index


_AMBIGUOUS = object()
# Names an English reader knows that are not the plain pinyin (the rest read as pinyin: "Shenzhen").
ENGLISH_NAMES = {"230100": "Harbin", "610100": "Xi'an", "650100": "Urumqi", "150100": "Hohhot", "540100": "Lhasa",
                 "150000": "Inner Mongolia", "540000": "Tibet", "650000": "Xinjiang", "450000": "Guangxi",
                 "640000": "Ningxia", "660000": "XPCC (Xinjiang Production and Construction Corps)"}


@lru_cache(maxsize=4096)
def _sound(chinese: str) -> str:
    from pypinyin import Style, lazy_pinyin

    key = "".join(lazy_pinyin(chinese, style=Style.NORMAL, errors="ignore")).lower()
    return re.sub(r"([zcs])h", r"\1", key).replace("ng", "n")


def _sound_index(entries) -> dict:
    index: dict = {}
    for e in entries:
        if e.level == "county" or not (e.pool_code or e.level == "province"):
            continue
        short = e.short_name or derive_short_name(e.name)
        key = _sound(short)
        if len(key) < 4:
            continue
        if key in index and index[key] is not e:
            index[key] = _AMBIGUOUS
        else:
            index[key] = e
    return index
