"""Institutions through the API: public search, details, would my visit settle there, choices."""
import pytest

from backend.extensions import db
from backend.rules.institution_choice import LEVEL_ORDER
from backend.services.data import reference_data
from tests.support.personas import load_policies

INPATIENT_ONLY = "SH4403000006"  # 深圳市福田区人民医院: networked for inpatient care only (sample)
PKU_SHENZHEN = "SH4403000002"    # 北京大学深圳医院
SUZHOU_FIRST = None


@pytest.fixture()
def institutions(app):
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()


def codes(response):
    return [i["code"] for i in response.get_json()["institutions"]]


def test_it_finds_only_institutions_networked_for_outpatient_care_in_the_area(client, institutions):
    response = client.get("/api/v1/institutions?area=440300&service=outpatient&per_page=50")
    assert response.status_code == 200
    found = codes(response)
    assert PKU_SHENZHEN in found and INPATIENT_ONLY not in found
    assert all(i["area_code"] == "440300" and "outpatient" in i["services"]
               for i in response.get_json()["institutions"])


@pytest.mark.parametrize("q", ["协和", "xiehe", "xh"])
def test_it_matches_chinese_full_pinyin_and_initials(client, institutions, q):
    response = client.get(f"/api/v1/institutions?area=110000&q={q}")
    assert "SH1100000001" in codes(response)


def test_it_orders_by_distance_from_the_phone(client, institutions):
    response = client.get("/api/v1/institutions?area=440300&service=inpatient&lat=22.5585&lon=114.0513&sort=distance")
    rows = response.get_json()["institutions"]
    assert rows[0]["code"] == PKU_SHENZHEN
    distances = [r["distance_km"] for r in rows]
    assert distances == sorted(distances)


def test_it_pages_with_has_more(client, institutions):
    first = client.get("/api/v1/institutions?area=440300&per_page=5").get_json()
    second = client.get("/api/v1/institutions?area=440300&per_page=5&page=2").get_json()
    assert first["has_more"] is True and len(first["institutions"]) == 5
    assert not set(codes_of(first)) & set(codes_of(second))


def codes_of(body):
    return [i["code"] for i in body["institutions"]]


@pytest.mark.parametrize("query, field", [
    ("area=999999", "area"),
    ("area=440300&lat=123&lon=114", "lat"),
    ("area=440300&q=", "q"),
    ("area=440300&q=" + "医" * 500, "q"),
    ("area=440300&page=-1", "page"),
    ("area=440300&per_page=500", "per_page"),
    ("area=440300&service=dentist", "service"),
    ("area=440300&sort=distance", "sort"),
])
def test_bad_input_answers_400_naming_the_parameter(client, institutions, query, field):
    response = client.get(f"/api/v1/institutions?{query}")
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["field"] == field and field in body["message"]


def test_one_institution_shows_its_services_and_diseases(client, institutions):
    body = client.get(f"/api/v1/institutions/{PKU_SHENZHEN}").get_json()
    assert body["name"] == "北京大学深圳医院" and body["area_name"] == "深圳市"
    assert "diabetes" in body["diseases"] and "outpatient" in body["services"]
    missing = client.get("/api/v1/institutions/NOPE")
    assert missing.status_code == 404 and missing.get_json()["message"] == "没有找到这家机构。"


def test_the_public_search_is_rate_limited(app, client, institutions):
    app.config["PUBLIC_RATE_LIMIT"] = "3/minute"
    responses = [client.get("/api/v1/institutions?area=440300") for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    # Only a refusal says when to come back (within the minute); an answer carries no Retry-After.
    assert [r.headers.get("Retry-After") for r in responses[:3]] == [None, None, None]
    assert all(0 < int(r.headers["Retry-After"]) <= 60 for r in responses[3:])
    assert client.get("/api/v1/institutions?area=440300").get_json()["message"] == "操作太频繁了，请稍后再试。"


def _mother_filed_in_shenzhen(as_person):
    son = as_person("op-son")
    son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")
    return son


def test_an_outpatient_visit_at_an_inpatient_only_hospital_is_explained_with_three_alternatives(
        as_person, people, institutions, today):
    son = _mother_filed_in_shenzhen(as_person)
    response = son.client.get(
        f"/api/v1/institutions/{INPATIENT_ONLY}/settlement?visit=outpatient&date=2026-12-10&principal=member:{people.retiree}",
        headers=son.headers)
    body = response.get_json()
    assert response.status_code == 200 and body["settles"] is False
    failed = [c for c in body["checks"] if not c["passed"]]
    assert [c["code"] for c in failed] == ["networked_for_service"]
    assert "普通门诊" in failed[0]["message"]
    assert len(body["alternatives"]) == 3
    assert all("outpatient" in a["services"] and a["area_code"] == "440300" for a in body["alternatives"])
    # No location given: no distances, best level first.
    assert [a["distance_km"] for a in body["alternatives"]] == [None, None, None]
    ranks = [LEVEL_ORDER.index(a["level"]) for a in body["alternatives"]]
    assert ranks == sorted(ranks)
    # From where the person says they are (the H5 asks the browser), nearest first.
    near = son.client.get(
        f"/api/v1/institutions/{INPATIENT_ONLY}/settlement?visit=outpatient&date=2026-12-10"
        f"&principal=member:{people.retiree}&lat=22.54&lon=114.06", headers=son.headers).get_json()
    distances = [a["distance_km"] for a in near["alternatives"]]
    assert None not in distances and distances == sorted(distances)


def test_a_visit_in_another_city_than_the_filed_one_is_explained(as_person, people, institutions, today):
    son = _mother_filed_in_shenzhen(as_person)
    body = son.client.get(
        f"/api/v1/institutions/SH1100000001/settlement?visit=inpatient&date=2026-12-10&principal=member:{people.retiree}",
        headers=son.headers).get_json()
    assert [c["code"] for c in body["checks"] if not c["passed"]] == ["in_filed_area"]
    assert "深圳市" in [c for c in body["checks"] if not c["passed"]][0]["message"]
    assert all(a["area_code"] == "440300" for a in body["alternatives"])


def test_a_visit_before_the_filing_starts_is_explained(as_person, people, institutions, today):
    son = _mother_filed_in_shenzhen(as_person)
    body = son.client.get(
        f"/api/v1/institutions/{PKU_SHENZHEN}/settlement?visit=inpatient&date=2026-11-25&principal=member:{people.retiree}",
        headers=son.headers).get_json()
    assert body["settles"] is False and [c["code"] for c in body["checks"] if not c["passed"]] == ["filing_valid"]
    # The true reason, with the dates, and no list of institutions that could not settle either.
    failed = [c for c in body["checks"] if not c["passed"]][0]
    assert body["filing_state"] == "not_started" and "2026年11月25日" in failed["message"]
    assert "起生效" in failed["message"] and body["alternatives"] == []


def test_the_neighbour_cannot_ask_about_the_retiree(as_person, people, institutions, today):
    _mother_filed_in_shenzhen(as_person)
    neighbour = as_person("op-neighbour")
    response = neighbour.client.get(
        f"/api/v1/institutions/{PKU_SHENZHEN}/settlement?visit=inpatient&principal=member:{people.retiree}",
        headers=neighbour.headers)
    assert response.status_code == 403


def test_where_the_area_requires_a_choice_the_chosen_hospitals_are_stored_and_checked(
        app, as_person, people, institutions, today):
    with app.app_context():
        load_policies("210100", max_institutions=2, allowed_levels=["3A", "3B"])
    son = _mother_filed_in_shenzhen(as_person)
    reference = son.filings().get_json()["filings"][0]["reference"]
    too_low = son.client.put(f"/api/v1/filings/{reference}/institutions", json={"codes": [INPATIENT_ONLY]},
                             headers=son.headers)
    assert too_low.status_code == 400 and too_low.get_json()["error"] == "invalid_choice"
    assert "三级甲等" in too_low.get_json()["message"]
    ok = son.client.put(f"/api/v1/filings/{reference}/institutions", json={"codes": [PKU_SHENZHEN]},
                        headers=son.headers)
    assert ok.status_code == 200 and ok.get_json()["institutions"] == [PKU_SHENZHEN]
    other = son.client.get(
        f"/api/v1/institutions/SH4403000003/settlement?visit=inpatient&date=2026-12-10&principal=member:{people.retiree}",
        headers=son.headers).get_json()
    assert [c["code"] for c in other["checks"] if not c["passed"]] == ["chosen_institution"]
    assert [a["code"] for a in other["alternatives"]] == [PKU_SHENZHEN]


def test_choosing_where_the_area_has_no_choice_rule_says_all_networked_institutions_settle(
        as_person, institutions, today):
    son = _mother_filed_in_shenzhen(as_person)
    reference = son.filings().get_json()["filings"][0]["reference"]
    response = son.client.put(f"/api/v1/filings/{reference}/institutions", json={"codes": [PKU_SHENZHEN]},
                              headers=son.headers)
    assert response.status_code == 400 and response.get_json()["error"] == "choice_not_required"


def test_the_institution_conversation_ends_with_a_verdict(as_person, institutions, today):
    worker = as_person("op-worker")
    worker.file("公司派我去苏州工作", "12月1日")
    answer = worker.conversation("帮我找家医院")
    assert answer["state"] == "care"
    answer = worker.conversation(2)
    assert answer["state"] == "institution" and len(answer["choices"]) <= 6
    answer = worker.conversation(1)
    assert answer["flow"] is None and ("可以直接结算" in answer["reply"] or "不能直接结算" in answer["reply"])
