"""Choosing institutions: search by area, service, disease, level, name, pinyin and distance (both backends)."""
import random

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.lib import search_keys
from backend.models import Institution, InstitutionDisease, InstitutionNameKey
from backend.services.data import reference_data
from backend.services.filing.institution_search import (
    MAX_PER_PAGE, MAX_QUERY_CHARS, InvalidSearch, SearchFilters, get_institution, haversine_km, search, validate,
)
from backend.services.data.seeding import seed_institutions

# A retiree resettled in Beijing (living near Dongdan) looks for somewhere to be treated.
DONGDAN = (39.9140, 116.4180)

STREET = [
    # code, name, area, district, level, kind, lat, lon, services, diseases
    ("B1", "北京协和医院", "110000", "110101", "3A", "hospital", 39.9123, 116.4170,
     ("inpatient", "outpatient", "chronic"), ("hypertension", "diabetes")),
    ("B2", "北京朝阳医院", "110000", "110105", "3A", "hospital", 39.9246, 116.4533,
     ("inpatient", "outpatient", "chronic"), ("hypertension",)),
    ("B3", "朝阳区社区卫生服务中心", "110000", "110105", "1", "clinic", 39.9215, 116.4432,
     ("outpatient", "chronic"), ("diabetes",)),
    ("B4", "协和大药房(东城店)", "110000", "110101", "none", "pharmacy", 39.9150, 116.4200, ("pharmacy",), ()),
    ("B5", "海淀医院", "110000", "110108", "2A", "hospital", 39.9600, 116.3000, ("inpatient",), ()),
    ("B6", "西城区中医院", "110000", "110102", "2", "hospital", 39.9100, 116.3600, ("inpatient", "outpatient"), ()),
    ("S1", "深圳协和医院", "440300", "440304", "3B", "hospital", 22.5400, 114.0500,
     ("inpatient", "outpatient", "chronic"), ("hypertension",)),
    ("H1", "海口市人民医院", "460000", "460106", "3A", "hospital", 20.0310, 110.3285,
     ("inpatient", "outpatient"), ()),
    ("H2", "三亚市人民医院", "460000", "460202", "3A", "hospital", 18.2500, 109.5100, ("inpatient",), ()),
]


def _add(code, name, area, district, level, kind, lat, lon, services, diseases):
    db.session.add(Institution(
        code=code, name=name, area_code=area, district_code=district, level=level, kind=kind, latitude=lat,
        longitude=lon, **{f"net_{s}": s in services for s in ("inpatient", "outpatient", "chronic", "pharmacy")},
        diseases=[InstitutionDisease(disease_code=d) for d in diseases],
    ))


@pytest.fixture()
def street(app):
    """The hand-made institutions above, written through the ORM."""
    with app.app_context():
        for row in STREET:
            _add(*row)
        db.session.commit()
        yield
        db.session.remove()


def codes(**filters) -> list[str]:
    return [h.code for h in search(SearchFilters(**filters)).hits]


def test_it_lists_an_areas_institutions_best_level_first(street):
    assert codes(area_code="110000") == ["B1", "B2", "B5", "B6", "B3", "B4"]


def test_it_narrows_an_area_to_one_district(street):
    assert codes(area_code="110000", district_code="110101") == ["B1", "B4"]


def test_it_takes_a_beijing_district_given_as_the_area_as_a_district(street):
    page = search(SearchFilters(area_code="110105"))
    assert [h.code for h in page.hits] == ["B2", "B3"]
    assert (page.filters.area_code, page.filters.district_code) == ("110000", "110105")


def test_it_takes_a_city_of_a_province_level_pool_as_all_of_its_districts(street):
    assert codes(area_code="460100") == ["H1"]
    assert codes(area_code="460000", district_code="460200") == ["H2"]


def test_it_keeps_only_institutions_networked_for_the_service(street):
    assert codes(area_code="110000", service="outpatient") == ["B1", "B2", "B6", "B3"]
    assert codes(area_code="110000", service="pharmacy") == ["B4"]


def test_it_keeps_only_institutions_networked_for_the_disease(street):
    assert codes(area_code="110000", disease="diabetes") == ["B1", "B3"]
    assert codes(disease="hypertension") == ["B1", "B2", "S1"]


def test_it_filters_by_grade_first_class_and_allowed_levels(street):
    assert codes(area_code="110000", grade=2) == ["B5", "B6"]
    assert codes(area_code="110000", first_class=True) == ["B1", "B2", "B5"]
    assert codes(area_code="110000", first_class=False) == ["B6", "B3", "B4"]
    assert codes(area_code="110000", levels=("1", "none")) == ["B3", "B4"]
    assert codes(area_code="110000", grade=3, levels=("1",)) == []


def test_it_finds_a_chinese_substring_in_an_area_and_nationwide(street):
    assert codes(area_code="110000", query="协和") == ["B1", "B4"]
    assert codes(query="协和") == ["B1", "S1", "B4"]
    assert codes(query=" 朝阳 ") == ["B2", "B3"]
    # Nationwide name queries sort by level, then area, then name (services/filing/institution_search.py).
    assert codes(query="院") == ["B1", "B2", "H2", "H1", "S1", "B5", "B6"]


def test_it_finds_full_pinyin_and_initials(street):
    assert codes(query="xiehe") == ["B1", "S1", "B4"]
    assert codes(query="Xie He") == ["B1", "S1", "B4"]
    assert codes(query="xh") == ["B1", "S1", "B4"]
    assert codes(query="bjxhyy") == ["B1"]
    assert codes(area_code="440300", query="szxh") == ["S1"]


def test_it_combines_name_service_disease_and_level(street):
    assert codes(query="xh", service="inpatient") == ["B1", "S1"]
    assert codes(query="协和", disease="hypertension", grade=3) == ["B1", "S1"]
    assert codes(query="医院", area_code="110000", first_class=True, service="outpatient") == ["B1", "B2"]
    assert codes(query="医院", district_code="110108") == ["B5"]


def test_it_orders_by_distance_in_an_area_and_reports_kilometres(street):
    page = search(SearchFilters(area_code="110000", latitude=DONGDAN[0], longitude=DONGDAN[1], sort="distance"))
    assert [h.code for h in page.hits] == ["B4", "B1", "B3", "B2", "B6", "B5"]
    assert page.hits[0].distance_km == pytest.approx(haversine_km(*DONGDAN, 39.9150, 116.4200), abs=0.001)
    assert [h.distance_km for h in page.hits] == sorted(h.distance_km for h in page.hits)


def test_it_orders_by_distance_without_an_area(street):
    near_haikou = dict(latitude=20.02, longitude=110.33, sort="distance")
    assert codes(**near_haikou, per_page=3) == ["H1", "H2", "S1"]
    assert codes(query="xh", latitude=22.5, longitude=114.0, sort="distance") == ["S1", "B1", "B4"]


def test_it_sorts_by_name_when_asked(street):
    names = {row[0]: row[1] for row in STREET}
    expected = sorted(codes(query="医院", per_page=50), key=lambda c: (names[c], c))
    assert codes(query="医院", sort="name", per_page=50) == expected
    assert codes(area_code="110000", sort="name") == sorted(
        [c for c in names if c.startswith("B")], key=lambda c: (names[c], c))


def test_it_pages_without_gaps_or_overlaps_and_says_when_more_exist(street):
    everything = codes(area_code="110000")
    first = search(SearchFilters(area_code="110000", per_page=4))
    second = search(SearchFilters(area_code="110000", per_page=4, page=2))
    assert first.has_more and not second.has_more
    assert [h.code for h in first.hits + second.hits] == everything
    nationwide = [search(SearchFilters(query="医院", per_page=2, page=p)) for p in (1, 2, 3, 4)]
    assert [h.code for page in nationwide for h in page.hits] == codes(query="医院")
    assert [page.has_more for page in nationwide] == [True, True, True, False]


def test_it_leaves_out_excluded_codes(street):
    assert codes(area_code="110000", exclude_codes=("B2", "B4")) == ["B1", "B5", "B6", "B3"]
    assert codes(query="协和", exclude_codes=("B1",)) == ["S1", "B4"]


def test_it_returns_one_institution_by_code_or_none(street):
    assert get_institution("B1").name == "北京协和医院"
    assert get_institution("NOPE") is None


def test_it_finds_imported_institutions_by_name_pinyin_and_initials(app):
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        assert codes(query="协和")[0] == "SH1100000001"
        assert "SH1100000001" in codes(query="xiehe")
        assert "SH1100000001" in codes(query="bjxh")
        assert codes(area_code="110000", district_code="110101", query="xh") == ["SH1100000001"]


def test_a_renamed_institution_is_found_by_its_new_name(street, app):
    with app.app_context():
        db.session.get(Institution, "B5").name = "海淀同仁医院"
        db.session.commit()
        assert codes(query="同仁") == ["B5"]
        assert codes(query="hdtr") == ["B5"]


def test_deleting_an_institution_drops_the_name_keys_only_it_needed(street, app):
    with app.app_context():
        db.session.delete(db.session.get(Institution, "S1"))
        db.session.commit()
        cells = set(db.session.scalars(select(InstitutionNameKey.key).where(InstitutionNameKey.area_code == "440300")))
        assert "c协和" not in cells
        assert codes(query="协和") == ["B1", "B4"]


def _brute_force(rows, query, service=None, page=1, per_page=10):
    found = [r for r in rows if (query in r.name if not query.isascii() else query in r.name_initials)
             and (service is None or getattr(r, f"net_{service}"))]
    found.sort(key=lambda r: (search_keys.level_rank(r.level), r.area_code, r.name, r.code))
    start = (page - 1) * per_page
    return [r.code for r in found[start:start + per_page]]


def test_it_agrees_with_a_brute_force_search_over_generated_institutions(app):
    with app.app_context():
        seed_institutions(3000, seed=5)
        rows = db.session.execute(select(Institution)).scalars().all()
        rng = random.Random(3)
        for row in rng.sample(rows, 12):
            chinese = "".join(ch for ch in row.name if "\u4e00" <= ch <= "\u9fff")
            start = rng.randrange(len(chinese) - 1)
            for query in (chinese[start:start + rng.randint(2, 3)], row.name_initials[start:start + 2]):
                for service, page in ((None, 1), ("outpatient", 1), (None, 3)):
                    found = codes(query=query, service=service, page=page)
                    assert found == _brute_force(rows, query, service, page), (query, service, page)


def test_generated_institutions_get_name_keys_with_their_level_and_area(app):
    with app.app_context():
        seed_institutions(300, seed=9)
        inst = db.session.scalars(select(Institution).where(Institution.kind == "hospital").limit(1)).one()
        key = search_keys.CJK + inst.name[:2]
        cell = db.session.get(InstitutionNameKey, (key, search_keys.level_rank(inst.level), inst.area_code))
        assert cell is not None and inst.level_rank == search_keys.level_rank(inst.level)


INVALID = [
    (dict(area_code="999999"), "area_code", "unknown_area"),
    (dict(area_code="130000"), "area_code", "not_a_pool"),
    (dict(district_code="999999"), "district_code", "unknown_area"),
    (dict(area_code="110000", district_code="440304"), "district_code", "not_in_area"),
    (dict(area_code="440300", district_code="110105"), "district_code", "not_in_area"),
    (dict(service="dental"), "service", "unknown_service"),
    (dict(disease="flu"), "disease", "unknown_disease"),
    (dict(grade=0), "grade", "out_of_range"),
    (dict(grade=4), "grade", "out_of_range"),
    (dict(levels=("4A",)), "levels", "unknown_level"),
    (dict(latitude=90.5, longitude=116.0), "latitude", "out_of_range"),
    (dict(latitude=39.9, longitude=-180.1), "longitude", "out_of_range"),
    (dict(latitude=39.9), "longitude", "point_incomplete"),
    (dict(longitude=116.4), "latitude", "point_incomplete"),
    (dict(sort="distance"), "sort", "needs_point"),
    (dict(sort="rating"), "sort", "unknown_sort"),
    (dict(query=""), "query", "empty"),
    (dict(query="  \u3000 "), "query", "empty"),
    (dict(query="医" * (MAX_QUERY_CHARS + 1)), "query", "too_long"),
    (dict(page=0), "page", "out_of_range"),
    (dict(page=1001), "page", "out_of_range"),
    (dict(per_page=0), "per_page", "out_of_range"),
    (dict(per_page=MAX_PER_PAGE + 1), "per_page", "out_of_range"),
]


@pytest.mark.parametrize("filters, field, code", INVALID, ids=[f"{f}-{c}" for _, f, c in INVALID])
def test_it_refuses_a_filter_it_cannot_use_naming_the_field_and_reason(app, filters, field, code):
    with app.app_context():
        with pytest.raises(InvalidSearch) as caught:
            search(SearchFilters(**filters))
        assert (caught.value.field, caught.value.code) == (field, code)


def test_it_accepts_the_edges_of_every_range(app):
    with app.app_context():
        ok = validate(SearchFilters(latitude=-90, longitude=180, sort="distance", page=1000,
                                    per_page=MAX_PER_PAGE, query="医" * MAX_QUERY_CHARS, grade=1))
        assert ok.page == 1000 and ok.query == "医" * MAX_QUERY_CHARS
