"""The H5 institution page answers "will my visit here on that day settle?" (the hospital-question issue).

The retiree filed herself for Shenzhen from 2026-12-01; the clock is Sunday 2026-11-22. The sample
institutions are loaded; 深圳市福田区人民医院 is networked for inpatient care only.
"""
import re

import pytest

from tests.support.pages import PageActions, questions

PEOPLES = "SH4403000003"  # 深圳市人民医院
FUTIAN = "SH4403000006"  # 深圳市福田区人民医院, inpatient only
NEAR_FUTIAN = (22.5431, 114.0579)


@pytest.fixture()
def retiree(app, as_person, sample):
    filed = as_person("op-retiree").file("我退休了，跟儿子住到深圳了，想办备案", "12月1日")
    assert filed["filing"]["status"] == "approved", filed["reply"]
    pages = PageActions(app.test_client())
    pages.sign_in("op-retiree")
    return pages


def _large(app, openid: str) -> PageActions:
    pages = PageActions(app.test_client())
    pages.sign_in(openid)
    pages.submit("/m/text-size", {"large": "1", "next": "/m/"})
    assert 'class="large"' in pages.html
    return pages


def _links(html: str) -> dict:
    return dict(re.findall(r'data-step="(\w+)" href="([^"]+)"', html))


def test_it_asks_the_day_of_the_visit_today_by_default_and_offers_the_location(retiree):
    html = retiree.open(f"/m/institutions/{PEOPLES}").get_data(as_text=True)
    assert re.search(r'<input id="f-date" name="date" type="date" value="2026-11-22"', html), html
    assert 'name="lat" value=""' in html and 'name="lon" value=""' in html
    assert 'id="near-me"' in html and "near-me.js" in html


def test_a_day_inside_the_filing_settles_and_offers_the_estimate_and_another_hospital(retiree):
    page = retiree.open(f"/m/institutions/{PEOPLES}?visit=outpatient&date=2026-12-01")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "能。12月1日在这里看普通门诊可以直接结算。" in html, html
    assert re.search(r"那天您的备案（BA\d{8}-\d{6}）有效", html)
    links = _links(html)
    assert set(links) == {"estimate", "another"}  # she has filed: filing again is not offered
    assert links["estimate"].startswith("/m/estimate?") and "visit=outpatient" in links["estimate"]
    assert "city=%E6%B7%B1%E5%9C%B3%E5%B8%82" in links["estimate"]  # 深圳市
    assert links["another"].startswith("/m/institutions?") and "service=outpatient" in links["another"]
    assert retiree.open(links["another"].replace("&amp;", "&")).status_code == 200


def test_today_before_the_filing_starts_gets_the_true_reason_and_no_list(retiree):
    html = retiree.open(f"/m/institutions/{PEOPLES}?visit=outpatient").get_data(as_text=True)
    assert "11月22日在这里看普通门诊还不能直接结算" in html, html
    assert "2026年12月1日起生效" in html
    assert "approved" not in html and "not_started" not in html
    assert 'data-testid="alternatives"' not in html


def test_a_wrong_service_lists_hospitals_that_would_settle_without_distances(retiree):
    html = retiree.open(f"/m/institutions/{FUTIAN}?visit=outpatient&date=2026-12-03").get_data(as_text=True)
    assert "12月3日在这里看普通门诊还不能直接结算" in html and "没有开通普通门诊" in html, html
    assert 'data-testid="alternatives"' in html
    assert "公里" not in html  # she gave no location
    assert set(_links(html)) == {"another"}


def test_with_the_browsers_location_the_alternatives_say_how_far(retiree):
    lat, lon = NEAR_FUTIAN
    html = retiree.open(f"/m/institutions/{FUTIAN}?visit=outpatient&date=2026-12-03&lat={lat}&lon={lon}") \
        .get_data(as_text=True)
    found = html[html.index('data-testid="alternatives"'):]
    distances = [float(x) for x in re.findall(r"· ([\d.]+) 公里", found)]
    assert len(distances) >= 2 and distances == sorted(distances), found[:800]


def test_a_location_that_makes_no_sense_is_ignored(retiree):
    html = retiree.open(f"/m/institutions/{FUTIAN}?visit=outpatient&date=2026-12-03&lat=abc&lon=999") \
        .get_data(as_text=True)
    assert 'data-testid="alternatives"' in html and "公里" not in html


def test_a_bad_date_is_explained_and_kept(retiree):
    page = retiree.open(f"/m/institutions/{PEOPLES}?visit=outpatient&date=2026-13-45")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "日期不对" in html
    assert 'value="2026-13-45"' in html and 'data-testid="verdict"' not in html


def test_someone_without_a_filing_is_offered_to_file(app, sample):
    neighbour = PageActions(app.test_client())
    neighbour.sign_in("op-neighbour")
    html = neighbour.open(f"/m/institutions/{PEOPLES}?visit=inpatient&date=2026-12-01").get_data(as_text=True)
    assert "还不能直接结算" in html and "没有有效的备案" in html, html
    assert _links(html).get("file") == "/m/file"


def test_large_text_asks_the_kind_of_visit_then_the_day_one_per_screen(app, retiree):
    large = _large(app, "op-retiree")
    html = large.open(f"/m/institutions/{PEOPLES}").get_data(as_text=True)
    assert questions(html) == 1 and 'name="visit"' in html and "第1步，共2步" in html
    html = large.open(f"/m/institutions/{PEOPLES}?visit=outpatient").get_data(as_text=True)
    assert questions(html) == 1 and "哪天去看病？" in html and 'type="date" value="2026-11-22"' in html
    assert 'type="hidden" name="visit" value="outpatient"' in html and 'id="near-me"' in html
    bad = large.open(f"/m/institutions/{PEOPLES}?visit=outpatient&date=明天")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "日期不对" in html and 'value="明天"' in html and questions(html) == 1
    html = large.open(f"/m/institutions/{PEOPLES}?visit=outpatient&date=2026-12-02").get_data(as_text=True)
    assert "能。12月2日在这里看普通门诊可以直接结算。" in html and questions(html) == 0
    assert set(_links(html)) == {"estimate", "another"}


def test_the_openapi_document_describes_the_visit_date_of_the_settlement_check(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/institutions/{code}/settlement"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert {"visit", "date", "lat", "lon"} <= set(params)
    assert params["date"]["in"] == "query" and params["date"]["schema"].get("format") == "date"
    assert "visit date" in params["date"].get("description", "") + params["date"]["schema"].get("description", "")
    assert params["visit"]["required"] is True and not params["date"].get("required", False)
