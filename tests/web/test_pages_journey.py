"""The H5 pages without JavaScript: sign in, file step by step, see it, and the guards around forms."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from backend import create_app
from backend.extensions import db
from backend.lib import clock
from backend.models import Filing, Person
from backend.services.data import reference_data
from backend.worker import dispatch as delivery
from tests.support.pages import PageActions
from tests.support.personas import token_for


def _question(html: str) -> str:
    found = re.findall(r'<p class="question">(.*?)</p>', html, re.S)
    return found[-1] if found else ""


def test_a_posted_worker_files_for_himself_with_plain_forms(app, people, today):
    worker = PageActions(app.test_client())
    worker.sign_in("op-worker")
    start = worker.submit("/m/file/start", token_from="/m/file")
    assert "要去哪个城市看病" in _question(start.get_data(as_text=True))
    for answer in ("公司派我去苏州工作一年", "12月1日", 1, 1, 1):
        page = worker.answer(answer)
        assert page.status_code == 200
    assert "请核对" in worker.html and "常驻异地工作人员" in worker.html and "苏州市" in worker.html
    done = worker.answer(1)
    assert re.search(r"BA\d{8}-\d{6}", done.get_data(as_text=True))  # the filing's number: it was made
    with app.app_context():
        filing = db.session.scalar(select(Filing))
        assert (filing.status, filing.channel, filing.treatment_area_code) == ("approved", "h5", "320500")
    listing = worker.open("/m/filings").get_data(as_text=True)
    assert filing.reference in listing and "苏州市" in listing and "本人办理" in listing
    assert "2026-12-01 – 长期有效" in listing


def test_a_form_posted_without_its_csrf_token_changes_nothing_and_keeps_the_text(app, people, today):
    worker = PageActions(app.test_client())
    worker.sign_in("op-worker")
    refused = worker.client.post("/m/chat", data={"text": "公司派我去苏州工作"})
    assert refused.status_code == 200 and "页面停留太久" in refused.get_data(as_text=True)
    with app.app_context():
        from backend.models import DialogSession
        assert db.session.scalar(select(DialogSession)) is None


def test_the_json_api_needs_no_csrf_token(app, as_person):
    assert as_person("op-worker").say("你好").status_code == 200


def test_the_development_sign_in_does_not_exist_in_production(database_url):
    prod = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "production", "TESTING": True})
    client = prod.test_client()
    assert client.get("/m/dev-login").status_code == 404
    assert client.post("/m/dev-login", data={"openid": "op-son"}).status_code == 404
    assert prod.config["SESSION_COOKIE_SECURE"] is True and prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_page_session_cookie_is_httponly_lax_and_expires(app, people):
    visitor = PageActions(app.test_client())
    answer = visitor.client.post("/m/dev-login", data={"csrf_token": visitor.token("/m/dev-login"),
                                                       "openid": "op-worker", "next": "/m/"})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_a_page_that_needs_sign_in_sends_the_visitor_to_sign_in(app, people):
    answer = app.test_client().get("/m/filings")
    assert answer.status_code == 302 and "/m/signin" in answer.headers["Location"]


def test_the_text_size_switch_is_on_every_page_and_stored_on_the_person(app, people):
    retiree = PageActions(app.test_client())
    retiree.sign_in("op-retiree")
    for path in ("/m/", "/m/chat", "/m/file", "/m/filings", "/m/family", "/m/activity", "/m/settings",
                 "/m/institutions", "/m/chronic", "/m/estimate"):
        html = retiree.open(path).get_data(as_text=True)
        assert 'data-testid="text-size"' in html and 'class="normal"' in html, path
    retiree.submit("/m/text-size", {"large": "1", "next": "/m/filings"})
    assert retiree.last.request.path == "/m/filings" and 'class="large"' in retiree.html
    with app.app_context():
        assert db.session.get(Person, people.retiree).large_text is True


def test_saying_da_zi_in_the_chat_turns_large_text_on_for_the_pages_too(app, people):
    retiree = PageActions(app.test_client())
    retiree.sign_in("op-retiree")
    retiree.answer("长辈模式", path="/m/chat")
    assert 'class="large"' in retiree.html and "大字模式" in retiree.html


def test_large_text_shows_at_most_four_choices_on_the_home_page(app, people):
    retiree = PageActions(app.test_client())
    retiree.sign_in("op-retiree")
    assert retiree.open("/m/").get_data(as_text=True).count("data-choice") == 9
    retiree.submit("/m/text-size", {"large": "1", "next": "/m/"})
    pages = [retiree.html, retiree.open("/m/?page=2").get_data(as_text=True),
             retiree.open("/m/?page=3").get_data(as_text=True)]
    assert [p.count("data-choice") for p in pages] == [4, 4, 3]


def test_settings_switch_the_pages_to_english(app, people):
    worker = PageActions(app.test_client())
    worker.sign_in("op-worker")
    worker.submit("/m/settings", {"language": "en", "phone": ""}, token_from="/m/settings")
    assert 'lang="en"' in worker.html and "Settings" in worker.html


def test_a_wrong_phone_in_settings_is_explained_and_the_entry_kept(app, people):
    worker = PageActions(app.test_client())
    worker.sign_in("op-worker")
    page = worker.submit("/m/settings", {"language": "zh_CN", "phone": "12345"}, token_from="/m/settings")
    assert page.status_code == 200 and "手机号应为11位数字" in worker.html and 'value="12345"' in worker.html


def test_a_nul_character_in_a_page_address_or_field_is_refused_in_plain_words(app, people):
    client = app.test_client()
    search = client.get("/m/institutions?q=a%00b")
    detail = client.get("/m/institutions/S%00X")
    assert (search.status_code, detail.status_code) == (400, 404)
    assert "请求内容有误" in search.get_data(as_text=True)


def test_the_mini_program_web_view_signs_in_with_a_one_time_code_never_its_api_token(app, client, people):
    with app.app_context():
        token = token_for("op-son")
    code = client.post("/api/v1/auth/page-code", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert code["expires_in"] == 60 and code["url"] == f"/m/auth?code={code['code']}"
    visitor = PageActions(app.test_client())
    answer = visitor.open(f"{code['url']}&next=/m/filings")
    assert answer.status_code == 302 and answer.headers["Location"] == "/m/filings"
    with app.app_context():
        son_id = db.session.get(Person, people.son).id_number_masked
    assert visitor.open("/m/settings").status_code == 200 and son_id in visitor.html
    stranger = PageActions(app.test_client())
    for refused in (stranger.open(code["url"]),                      # a code works once
                    stranger.open(f"/m/auth?token={token}"),           # the API token is no longer taken
                    stranger.open(f"/m/auth?code={code['code'][:-4]}xxxx")):
        assert refused.status_code == 401 and "登录信息无效" in refused.get_data(as_text=True)
    assert stranger.open("/m/filings").status_code == 302


def test_near_me_lists_the_closest_institutions_first_with_their_distance(app, people):
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
    visitor = PageActions(app.test_client())
    # What near-me.js puts in the form from the phone's position: central Shenzhen.
    html = visitor.open("/m/institutions?lat=22.5431&lon=114.0579").get_data(as_text=True)
    distances = [float(d) for d in re.findall(r"· ([\d.]+) 公里", html)]
    assert visitor.last.status_code == 200 and len(distances) >= 3
    assert distances == sorted(distances) and distances[0] < 20


def test_my_filings_show_the_settlement_hand_off_before_and_after_delivery(app, people, as_person, today):
    reference = as_person("op-son").file("我妈退休后住在深圳，参保在沈阳", "下周一")["filing"]["reference"]
    son = PageActions(app.test_client())
    son.sign_in("op-son")
    for path in ("/m/filings", f"/m/filings/{reference}"):
        assert "通知结算系统" in son.open(path).get_data(as_text=True) and "正在通知结算系统" in son.html, path
    with app.app_context():
        assert delivery.deliver_pending() >= 1
    for path in ("/m/filings", f"/m/filings/{reference}"):
        assert "已通知结算系统" in son.open(path).get_data(as_text=True), path


def test_the_son_cancels_his_mothers_filing_on_the_pages_after_the_lock_period(app, people, as_person, today):
    reference = as_person("op-son").file("我妈退休后住在深圳，参保在沈阳", "下周一")["filing"]["reference"]
    son = PageActions(app.test_client())
    son.sign_in("op-son")
    with clock.frozen(today + timedelta(days=200)):
        assert "确定要取消这个备案吗" in son.open(f"/m/filings/{reference}/cancel").get_data(as_text=True)
        done = son.submit(f"/m/filings/{reference}/cancel", {"reason": "回沈阳了"})
    assert done.request.path == f"/m/filings/{reference}" and "已取消" in son.html
    with app.app_context():
        assert db.session.scalar(select(Filing.status).where(Filing.reference == reference)) == "cancelled"
    mother = PageActions(app.test_client())
    mother.sign_in("op-retiree")
    assert "取消了备案" in mother.open("/m/activity").get_data(as_text=True) and "张*" in mother.html


def test_a_conversation_started_on_the_chat_page_continues_through_the_api_and_back(app, people, as_person, today):
    worker = PageActions(app.test_client())
    worker.sign_in("op-worker")
    worker.answer("公司派我去苏州工作一年", path="/m/chat")
    assert "从哪天开始在外地看病" in worker.html
    api = as_person("op-worker").say("12月1日").get_json()
    assert api["state"] == "materials"
    assert "承诺书" in worker.open("/m/chat").get_data(as_text=True)
    with app.app_context():
        from backend.models import DialogSession
        sessions = db.session.scalars(select(DialogSession)).all()
        assert [(s.user_key, s.step, s.last_channel) for s in sessions] == [
            (f"person:{people.worker}", "materials", "miniprogram")]


def test_an_unknown_address_under_m_answers_the_error_page_and_elsewhere_json(client):
    page = client.get("/m/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "没有找到" in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.is_json and api.json["error"] == "not_found"


def test_a_change_on_the_pages_is_shown_for_confirmation_and_made_only_by_its_button(app, people, as_person, today):
    reference = as_person("op-son").file("我妈退休后住在深圳，参保在沈阳", "下周一")["filing"]["reference"]
    son = PageActions(app.test_client())
    son.sign_in("op-son")
    path = f"/m/filings/{reference}/change"
    # What Enter in the city box posts: the form alone, without the confirmation's field.
    shown = son.submit(path, {"treatment": "广州", "start_date": "2027-07-01"}, token_from=path)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "请核对变更" in html and "深圳市 → 广州" in html and "→ 2027-07-01" in html
    assert "确认变更" in html and 'name="confirmed" value="1"' in html and 'type="text"' not in html.split("请核对变更")[1]
    with app.app_context():
        assert db.session.scalars(select(Filing.reference)).all() == [reference]
    with clock.frozen(today + timedelta(days=200)):  # after the lock period of her filing
        done = son.submit(path, {"treatment": "广州", "start_date": "2027-07-01", "confirmed": "1"}, token_from=path)
    assert re.fullmatch(r"/m/filings/BA[\d-]+", done.request.path) and reference not in done.request.path
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 2


def test_typing_the_number_of_an_irreversible_choice_asks_for_the_tap_and_keeps_the_text(app, people, today):
    worker = PageActions(app.test_client())
    worker.sign_in("op-worker")
    worker.submit("/m/file/start", token_from="/m/file")
    for answer in ("公司派我去苏州工作一年", "12月1日", 1, 1, 1):
        worker.answer(answer)
    assert "请核对" in worker.html
    for typed in ("1", "１", "确认提交", " 确认提交。"):
        page = worker.answer(typed)
        html = page.get_data(as_text=True)
        assert "请您亲手点「确认提交」按钮" in html and f'value="{typed}"' in html and "请核对" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 0
    worker.answer(1)  # the tap
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 1
