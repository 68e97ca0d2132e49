"""Large text asks one question per screen on every form: the steps keep earlier answers, server-side."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from backend.extensions import db
from backend.lib import clock, idnumber
from backend.models import Filing, Person
from tests.support.pages import PageActions, questions

NEIGHBOUR_ID = "13100219600820004" + idnumber.check_digit("13100219600820004")
WRONG_CHECK = NEIGHBOUR_ID[:17] + ("1" if NEIGHBOUR_ID[17] != "1" else "2")


def _large(app, openid):
    actions = PageActions(app.test_client())
    actions.sign_in(openid)
    actions.submit("/m/text-size", {"large": "1", "next": "/m/"})
    assert 'class="large"' in actions.html
    return actions


def _step(actions, path, data, token_from):
    """Answer one screen, as its form would post it; returns the next screen's HTML."""
    actions.submit(path, data, token_from=token_from)
    return actions.html


def _session(app, actions) -> dict:
    cookie = actions.client.get_cookie("session")
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_the_worker_invites_a_relative_one_question_a_screen_and_a_wrong_id_is_explained(app, people):
    worker = _large(app, "op-worker")
    home = worker.open("/m/family").get_data(as_text=True)
    assert questions(home) == 0 and 'href="/m/family/invite"' in home and 'href="/m/family/accept"' in home

    first = worker.open("/m/family/invite").get_data(as_text=True)
    assert questions(first) == 1 and "第1步，共4步" in first and "叫什么名字" in first
    html = _step(worker, "/m/family/invite", {"step": "name", "name": "赵敏"}, "/m/family/invite")
    assert questions(html) == 1 and "第2步，共4步" in html and "身份证号是多少" in html and "赵敏" in html

    bad = worker.submit("/m/family/invite", {"step": "id_number", "id_number": WRONG_CHECK},
                        token_from="/m/family/invite?step=id_number")
    assert bad.status_code == 400 and "身份证号不对，请核对后重新输入" in worker.html
    assert "第2步，共4步" in worker.html and "赵敏" in worker.html and WRONG_CHECK not in worker.html

    html = _step(worker, "/m/family/invite", {"step": "id_number", "id_number": NEIGHBOUR_ID},
                 "/m/family/invite?step=id_number")
    assert questions(html) == 1 and "第3步，共4步" in html and "是您的什么人" in html
    assert idnumber.mask(NEIGHBOUR_ID) in html and NEIGHBOUR_ID not in html
    assert len(re.findall(r'type="radio" name="relation"', html)) <= 4
    # Between screens the ID number waits in the session, encrypted: not even the cookie holds it in clear.
    assert NEIGHBOUR_ID not in str(_session(app, worker))

    html = _step(worker, "/m/family/invite", {"step": "relation", "relation": "mother"},
                 "/m/family/invite?step=relation")
    assert questions(html) == 1 and "第4步，共4步" in html and "您是他/她的什么人" in html and "母亲" in html
    made = worker.submit("/m/family/invite", {"step": "agent_relation", "agent_relation": "son"},
                         token_from="/m/family/invite?step=agent_relation")
    assert made.status_code == 201 and re.search(r'data-testid="invitation-code">[A-Z0-9]+<', worker.html)
    assert "母亲 赵*" in worker.html and "等待对方同意" in worker.html and NEIGHBOUR_ID not in worker.html
    assert questions(worker.html) == 0
    assert "m_steps_invite" not in _session(app, worker)


def test_an_unknown_person_goes_back_to_the_name_with_every_answer_kept(app, people):
    worker = _large(app, "op-worker")
    worker.open("/m/family/invite")
    for data in ({"step": "name", "name": "赵小敏"}, {"step": "id_number", "id_number": NEIGHBOUR_ID},
                 {"step": "relation", "relation": "mother"}):
        _step(worker, "/m/family/invite", data, f"/m/family/invite?step={data['step']}")
    refused = worker.submit("/m/family/invite", {"step": "agent_relation", "agent_relation": "son"},
                            token_from="/m/family/invite?step=agent_relation")
    assert refused.status_code == 404 and "没有找到这位参保人，请核对姓名和身份证号" in worker.html
    assert "第1步，共4步" in worker.html and 'value="赵小敏"' in worker.html and NEIGHBOUR_ID not in worker.html

    html = _step(worker, "/m/family/invite", {"step": "name", "name": "赵敏"}, "/m/family/invite?step=name")
    assert "已经填过：" + idnumber.mask(NEIGHBOUR_ID) in html and NEIGHBOUR_ID not in html
    html = _step(worker, "/m/family/invite", {"step": "id_number", "id_number": ""}, "/m/family/invite?step=id_number")
    assert "第3步，共4步" in html and re.search(r'value="mother" checked', html)
    _step(worker, "/m/family/invite", {"step": "relation", "relation": "mother"}, "/m/family/invite?step=relation")
    assert re.search(r'value="son" checked', worker.html)  # the answer of the first try, kept
    made = worker.submit("/m/family/invite", {"step": "agent_relation", "agent_relation": "son"},
                         token_from="/m/family/invite?step=agent_relation")
    assert made.status_code == 201


def test_an_empty_name_and_a_missing_choice_are_asked_again(app, people):
    worker = _large(app, "op-worker")
    worker.open("/m/family/invite")
    empty = worker.submit("/m/family/invite", {"step": "name", "name": "  "}, token_from="/m/family/invite")
    assert empty.status_code == 400 and "请写上家人的名字" in worker.html and "第1步" in worker.html
    _step(worker, "/m/family/invite", {"step": "name", "name": "赵敏"}, "/m/family/invite")
    _step(worker, "/m/family/invite", {"step": "id_number", "id_number": NEIGHBOUR_ID}, "/m/family/invite?step=id_number")
    none = worker.submit("/m/family/invite", {"step": "relation"}, token_from="/m/family/invite?step=relation")
    assert none.status_code == 400 and "请选一项" in worker.html and "赵敏" in worker.html
    stale = worker.client.post("/m/family/invite", data={"step": "relation", "relation": "mother"})
    assert stale.status_code == 400 and "页面停留太久" in stale.get_data(as_text=True)


def test_normal_text_keeps_the_one_combined_invitation_form(app, people):
    worker = PageActions(app.test_client())
    worker.sign_in("op-worker")
    assert questions(worker.open("/m/family").get_data(as_text=True)) == 5
    assert worker.open("/m/family/invite").status_code == 302


def test_settings_in_large_text_one_question_a_screen_and_a_wrong_phone_mid_way(app, people):
    retiree = _large(app, "op-retiree")
    with app.app_context():
        old_phone = db.session.get(Person, people.retiree).phone_encrypted
    first = retiree.open("/m/settings").get_data(as_text=True)
    assert questions(first) == 1 and "第1步，共3步" in first and "您想用哪种语言" in first
    html = _step(retiree, "/m/settings", {"step": "language", "language": "en"}, "/m/settings")
    assert questions(html) == 1 and "第2步，共3步" in html and "要不要用大字模式" in html and "English" in html
    html = _step(retiree, "/m/settings", {"step": "large_text", "large_text": "y"}, "/m/settings?step=large_text")
    assert questions(html) == 1 and "第3步，共3步" in html and f'value="{old_phone}"' in html

    bad = retiree.submit("/m/settings", {"step": "phone", "phone": "12345"}, token_from="/m/settings?step=phone")
    assert bad.status_code == 200 and "手机号应为11位数字" in retiree.html and 'value="12345"' in retiree.html
    assert "第3步，共3步" in retiree.html and "English" in retiree.html  # the earlier answers, kept
    with app.app_context():
        assert (db.session.get(Person, people.retiree).language or "zh_CN") == "zh_CN"  # nothing saved yet

    retiree.submit("/m/settings", {"step": "phone", "phone": "13912345678"}, token_from="/m/settings?step=phone")
    assert retiree.last.request.path == "/m/settings" and 'lang="en"' in retiree.html and "Saved." in retiree.html
    with app.app_context():
        person = db.session.get(Person, people.retiree)
        assert (person.language, person.large_text, person.phone_encrypted) == ("en", True, "13912345678")


def test_turning_large_text_off_in_the_settings_steps_saves_with_the_same_service(app, people):
    retiree = _large(app, "op-retiree")
    retiree.open("/m/settings")
    _step(retiree, "/m/settings", {"step": "language", "language": "zh_CN"}, "/m/settings")
    html = _step(retiree, "/m/settings", {"step": "large_text", "large_text": "false"}, "/m/settings?step=large_text")
    assert "不要，用标准字体" in html
    retiree.submit("/m/settings", {"step": "phone", "phone": ""}, token_from="/m/settings?step=phone")
    assert 'class="normal"' in retiree.html and "已保存" in retiree.html and questions(retiree.html) > 1
    with app.app_context():
        assert db.session.get(Person, people.retiree).large_text is False


def test_every_large_text_screen_asks_at_most_one_question(app, people, as_person, today):
    from tests.support.pages import build_world, large_step_paths, page_paths

    world = build_world(app, as_person)
    retiree = _large(app, "op-retiree")
    asked = {}
    for path in page_paths(world["reference"], world["code"], world["institution"]) + \
            large_step_paths(world["reference"], world["institution"]):
        answer = retiree.open(path)
        assert answer.status_code in (200, 302), path
        asked[path] = questions(answer.get_data(as_text=True))
    assert max(asked.values()) == 1 and [p for p, n in asked.items() if n > 1] == []


def test_the_son_estimates_for_his_mother_one_question_a_screen(app, people, as_person, today):
    as_person("op-son").file("我妈退休后住在深圳，参保在沈阳", "下周一")
    son = _large(app, "op-son")
    html = son.open("/m/estimate").get_data(as_text=True)
    assert questions(html) == 1 and "为谁办" in html and "母亲 王**" in html and "第1步，共4步" in html
    mother = f"member:{people.retiree}"
    html = son.open(f"/m/estimate?principal={mother}").get_data(as_text=True)
    assert questions(html) == 1 and 'name="total"' in html and f'type="hidden" name="principal" value="{mother}"' in html
    bad = son.open(f"/m/estimate?principal={mother}&total=abc&city=&visit=inpatient")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "金额填写有误" in html and 'value="abc"' in html and questions(html) == 1
    assert 'type="hidden" name="visit" value="inpatient"' in html  # the later answers, kept
    done = son.open(f"/m/estimate?principal={mother}&total=20000&city=&visit=inpatient").get_data(as_text=True)
    assert "医保大约付" in done and "还没有有效备案" not in done and questions(done) == 0 and "再算一次" in done


def test_an_unknown_city_in_the_large_text_search_is_asked_again(app, people):
    retiree = _large(app, "op-retiree")
    answer = retiree.open("/m/institutions?city=火星&service=")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "没有找到这个地区" in html and 'value="火星"' in html and questions(html) == 1
    html = retiree.open("/m/institutions?city=深圳").get_data(as_text=True)
    assert questions(html) == 1 and 'name="service"' in html and 'type="hidden" name="city" value="深圳"' in html


def test_the_son_changes_the_city_of_a_filing_one_question_a_screen(app, people, as_person, today):
    reference = as_person("op-son").file("我妈退休后住在深圳，参保在沈阳", "下周一")["filing"]["reference"]
    son = _large(app, "op-son")
    path = f"/m/filings/{reference}/change"
    assert questions(son.open(path).get_data(as_text=True)) == 1
    bad = son.submit(path, {"step": "treatment", "treatment": "火星"}, token_from=path)
    assert bad.status_code == 400 and "没有找到这个地区" in son.html and 'value="火星"' in son.html
    html = _step(son, path, {"step": "treatment", "treatment": "广州"}, path)
    assert questions(html) == 1 and "第2步，共2步" in html and "广州" in html
    bad = son.submit(path, {"step": "start_date", "start_date": "明天"}, token_from=f"{path}?step=start_date")
    assert bad.status_code == 400 and "日期不对" in son.html and "广州" in son.html
    son.submit(path, {"step": "start_date", "start_date": "2027-07-01"}, token_from=f"{path}?step=start_date")
    # The answers lead to a screen saying what will change; nothing changed until its button is tapped.
    assert "确认变更" in son.html and "深圳市 → 广州" in son.html and "→ 2027-07-01" in son.html
    assert questions(son.html) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 1
    with clock.frozen(today + timedelta(days=200)):  # after the lock period of her filing
        son.submit(path, {"step": "confirm"}, token_from=f"{path}?step=confirm")
    assert re.fullmatch(r"/m/filings/BA[\d-]+", son.last.request.path) and reference not in son.last.request.path
    assert "广州" in son.html
