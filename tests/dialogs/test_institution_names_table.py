"""Every sample institution is found by its names, and no alias steals a place or an everyday word.

A table over the shipped data: the real sample institutions (backend/data/sample_institutions.csv,
aliases included) and the real gazetteer built from backend/data/areas.csv. A row added to the CSV
with an alias that another institution of the same area also carries, or that hides a town, fails here.
"""
from __future__ import annotations

import csv
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

from dialogs import nlu
from dialogs.nlu_institutions import InstitutionNames, short_forms
from tests.dialogs.support import TODAY, gazetteer

CSV = Path(__file__).resolve().parents[2] / "backend" / "data" / "sample_institutions.csv"


@lru_cache(maxsize=1)
def _rows() -> tuple[dict, ...]:
    with open(CSV, encoding="utf-8-sig", newline="") as fh:
        return tuple(csv.DictReader(fh))


def _aliases(row: dict) -> list[str]:
    return [a.strip() for a in (row["aliases"] or "").split(";") if a.strip()]


@lru_cache(maxsize=1)
def _index() -> InstitutionNames:
    return InstitutionNames((r["code"], r["name"], r["area_code"], r["district_code"] or None, r["level"], _aliases(r))
                            for r in _rows())


def _extract(text: str, focus=(), *, index=True, today: date = TODAY) -> nlu.Extraction:
    return nlu.extract(text, today=today, gazetteer=gazetteer(), institutions=_index() if index else None,
                       focus=focus)


def _names_said() -> list:
    table = []
    for row in _rows():
        table.append(pytest.param(row, row["name"], id=f"{row['code']}-full"))
        for alias in _aliases(row):
            table.append(pytest.param(row, alias, id=f"{row['code']}-{alias}"))
    return table


# Different ways people put the question; the name is read the same way in each.
SENTENCES = ("{}能直接结算吗", "我下周二去{}看门诊，能直接结算吗", "明天在{}住院")


@pytest.mark.parametrize(("row", "said"), _names_said())
def test_it_finds_each_institution_by_its_full_name_and_each_alias_in_its_own_area(row, said):
    for sentence in SENTENCES:
        ex = _extract(sentence.format(said), focus=(row["area_code"],))
        found = [(m.said, [c.name for c in m.candidates]) for m in ex.institutions]
        assert ex.institutions, (sentence.format(said), found)
        assert [c.code for c in ex.institutions[0].candidates] == [row["code"]], (sentence.format(said), found)


def test_the_table_covers_the_aliases():
    # The data is the point of the table: most sample hospitals carry aliases people use.
    with_aliases = [r for r in _rows() if _aliases(r)]
    assert len(with_aliases) >= 150, len(with_aliases)


def test_no_alias_is_shared_by_two_institutions_of_one_area():
    seen: dict[tuple[str, str], str] = {}
    clashes = []
    for row in _rows():
        for alias in _aliases(row):
            key = (row["area_code"], alias)
            if key in seen and seen[key] != row["code"]:
                clashes.append((alias, seen[key], row["code"]))
            seen.setdefault(key, row["code"])
    assert clashes == []


def _places_inside_aliases() -> list:
    table = {}
    for row in _rows():
        for alias in _aliases(row):
            for match in gazetteer().find(alias):
                table.setdefault(match.surface, (alias, row))
    return [pytest.param(place, alias, row, id=f"{place}-in-{alias}") for place, (alias, row) in sorted(table.items())]


@pytest.mark.parametrize(("place", "alias", "row"), _places_inside_aliases())
def test_no_alias_hides_a_place_name(place, alias, row):
    # "瑞金" in 瑞金医院: a person going to the town of Ruijin still names the town. Read with the names index,
    # with no area discussed and with the alias's own city discussed, the place comes out as it does without it.
    assert gazetteer().find(place), place
    for sentence in ("我要去{}看病", "我在{}住院能直接结算吗", "下个月去{}看病", "{}哪家医院能结算"):
        text = sentence.format(place)
        plain = _extract(text, index=False)
        assert plain.treatment_area is not None or plain.unassigned_areas or plain.insured_area, text
        for focus in ((), (row["area_code"],)):
            ex = _extract(text, focus)
            assert (ex.treatment_area, ex.insured_area, ex.unassigned_areas) == \
                   (plain.treatment_area, plain.insured_area, plain.unassigned_areas), (text, focus, alias)
            assert ex.institutions == [], (text, focus, [m.said for m in ex.institutions])


@pytest.mark.parametrize("text", [
    "我是广东省医保，能直接结算吗", "我是河南省医保，去郑州住院", "省医保局说要先备案", "市医保和省医疗保障局哪个管备案",
    "区医保中心让我先备案", "我想看中医", "社区医院能直接结算吗", "我去市里的医院看病", "我的医疗保险在省里",
    "我要去市医疗保障局", "到了医院才知道要备案", "我去中医馆抓药", "大医院好还是小医院好",
])
def test_no_alias_is_read_inside_everyday_words(text):
    # "省医" (a short name of 广东省人民医院) sits inside "省医保": with every sample city discussed,
    # no everyday sentence about insurance names a hospital.
    everywhere = tuple({r["area_code"] for r in _rows()})
    ex = _extract(text, everywhere)
    assert [(m.said, [c.name for c in m.candidates]) for m in ex.institutions] == []


_SHORT_SAID = ("俺去的是{}啊", "就那个{}", "{}能直接结算吗")


@pytest.mark.parametrize("row", [r for r in _rows() if short_forms(r["name"])], ids=lambda r: r["name"])
def test_what_locals_call_a_city_hospital_finds_it_in_its_own_city(row):
    # "市二医院", "第二人民医院", "市人民医院": said where the city is discussed, they mean this one.
    for said in short_forms(row["name"]):
        for sentence in _SHORT_SAID:
            found = _extract(sentence.format(said), focus=(row["area_code"],)).institutions
            assert row["code"] in [c.code for m in found for c in m.candidates], (said, sentence, found)
