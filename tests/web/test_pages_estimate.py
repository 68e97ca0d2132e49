"""The estimate page: two figures a person knows, the settlement service's answer in plain words."""
import re

import pytest

from tests.support.pages import PageActions
from tests.support.personas import load_policies


@pytest.fixture()
def son(app, people, as_person, today):
    with app.app_context():
        load_policies("131000", "110000")
    as_person("op-son").file("我妈退休后住在深圳，参保在沈阳", "下个月1号")
    pages = PageActions(app.test_client())
    pages.sign_in("op-son")
    return pages


def test_the_son_estimates_an_inpatient_stay_for_his_mother_in_her_filed_city(son, people):
    page = son.open(f"/m/estimate?total=20000&self_paid=1000&visit=inpatient&level=3&principal=member:{people.retiree}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "医保大约付" in html and "您大约付" in html and "仅供参考" in html
    assert "样例数据" in html  # the shipped policies are sample data, and the page says so
    assert "还没有有效备案" not in html  # her filing is for Shenzhen, the default city


def test_a_city_without_a_filing_is_estimated_with_a_warning(son):
    html = son.open("/m/estimate?total=3000&city=北京&visit=outpatient").get_data(as_text=True)
    assert "医保大约付" in html and "还没有有效备案" in html


@pytest.mark.parametrize("query, words", [
    ("total=abc", "total"), ("total=-5", "total"), ("total=100&self_paid=500", "self_paid"),
    ("total=100&city=火星", "没有找到"),
])
def test_bad_figures_are_explained_and_kept(son, query, words):
    page = son.open(f"/m/estimate?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and words in html
    assert 'name="total"' in html and f'value="{query.split("&")[0].split("=")[1]}"' in html


def test_the_neighbour_cannot_estimate_for_the_retiree(app, people, today):
    neighbour = PageActions(app.test_client())
    neighbour.sign_in("op-neighbour")
    page = neighbour.open(f"/m/estimate?total=100&city=深圳&principal=member:{people.retiree}")
    assert page.status_code in (400, 403) and "王" not in page.get_data(as_text=True)


def _figures(html: str) -> list[str]:
    return re.findall(r"<strong>([\d.]+)</strong>", html)


@pytest.mark.parametrize("typed, figure", [
    ("5万", "50000"), ("5万元", "50000"), ("1.2万", "12000"), ("两万", "20000"), ("三千五百", "3500"),
    ("一万二", "12000"), ("12,000", "12000"), ("￥3000", "3000"),
])
def test_an_amount_written_as_people_say_it_is_estimated_as_its_figure(son, typed, figure):
    said = son.open("/m/estimate", query_string={"total": typed, "city": "北京", "visit": "outpatient"})
    assert said.status_code == 200, said.get_data(as_text=True)
    written = son.open("/m/estimate", query_string={"total": figure, "city": "北京", "visit": "outpatient"})
    assert _figures(said.get_data(as_text=True)) == _figures(written.get_data(as_text=True)) != []


def test_the_result_comes_before_the_form_and_the_form_returns_to_it(son):
    html = son.open("/m/estimate?total=3000&city=北京&visit=outpatient").get_data(as_text=True)
    assert html.index('id="result"') < html.index('name="total"')
    assert 'action="/m/estimate#result"' in html
