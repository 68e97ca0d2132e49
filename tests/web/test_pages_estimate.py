"""The estimate page: two figures a person knows, the settlement service's answer in plain words."""
import pytest

from tests.support.pages import PageActions
from tests.support.personas import load_policies


@pytest.fixture()
def son(app, people, as_person, today):
    with app.app_context():
        load_policies("131000", "110000")
    as_person("op-son").conversation("我妈退休后住在深圳，参保在沈阳", "下个月1号", 1, 1, 1)
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
