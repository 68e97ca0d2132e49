"""Family members on the pages: invite, accept from the member's own sign-in, revoke, and what the member sees."""
import re

from backend.lib import idnumber
from tests.support.pages import PageActions

NEIGHBOUR_ID = "13100219600820004" + idnumber.check_digit("13100219600820004")


def _signed_in(app, openid):
    actions = PageActions(app.test_client())
    actions.sign_in(openid)
    return actions


def test_the_worker_invites_the_neighbour_who_accepts_by_link_and_later_withdraws(app, people, today):
    worker, neighbour = _signed_in(app, "op-worker"), _signed_in(app, "op-neighbour")
    made = worker.submit("/m/family/invite", {"name": "赵敏", "id_number": NEIGHBOUR_ID, "relation": "mother",
                                              "agent_relation": "son"}, token_from="/m/family")
    assert made.status_code == 201 and NEIGHBOUR_ID not in worker.html
    link = re.search(r'data-testid="invitation-link">([^<]+)<', worker.html)[1]
    assert "等待对方同意" in worker.html

    invited = neighbour.open(link.replace("http://localhost", ""))
    assert invited.status_code == 200 and "您的儿子 李* 请求为您办理" in neighbour.html
    code = re.search(r"code=([A-Z0-9]+)", link)[1]
    neighbour.submit("/m/family/accept", {"code": code}, token_from="/m/family")
    assert "为我代办的家人" in neighbour.html and "儿子 李*" in neighbour.html and "已同意" in neighbour.html
    assert "母亲 赵*" in worker.open("/m/family").get_data(as_text=True)

    link_id = re.search(r'/m/family/links/(\d+)/revoke', neighbour.html)[1]
    neighbour.submit(f"/m/family/links/{link_id}/revoke", {})
    assert "已撤销，立即生效" in neighbour.html
    assert "赵*" not in worker.open("/m/family").get_data(as_text=True)
    activity = neighbour.open("/m/activity").get_data(as_text=True)
    assert "您的儿子 李* 于" in activity and "请求代办您的业务" in activity and "您本人 于" in activity


def test_a_refused_invitation_keeps_the_name_but_never_echoes_the_id_number(app, people):
    worker = _signed_in(app, "op-worker")
    page = worker.submit("/m/family/invite", {"name": "赵小敏", "id_number": NEIGHBOUR_ID, "relation": "mother",
                                              "agent_relation": "son"}, token_from="/m/family")
    assert page.status_code == 404 and "没有找到这位参保人" in worker.html
    assert 'value="赵小敏"' in worker.html and NEIGHBOUR_ID not in worker.html


def test_the_son_filing_for_his_mother_shows_on_her_activity_page(app, people, as_person, today):
    as_person("op-son").conversation("我妈退休后住在深圳，参保在沈阳", "下周一", 1, 1, 1, 1)
    mother = _signed_in(app, "op-retiree")
    html = mother.open("/m/activity").get_data(as_text=True)
    assert re.search(r"您的儿子 张\* 于 \d+月\d+日 为您办理了备案", html)
    filings = mother.open("/m/filings").get_data(as_text=True)
    assert "儿子 张*" in filings
