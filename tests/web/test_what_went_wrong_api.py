"""Issue #16's "What goes wrong today", replayed over POST /api/v1/dialog/messages where the backend matters.

Who filed it, the status of real filings, cancel and change of real filings, binding, the language
stored on the person and estimates: each test sends the exact words quoted in the issue and checks
the reply and the filings the API then shows (today: Sunday 2026-11-22). The engine-only examples
are in tests/dialogs/test_what_went_wrong.py.
"""
from datetime import date

import pytest
from sqlalchemy import select

from backend.auth import ensure_identity, issue_token
from backend.extensions import db
from backend.lib import clock, idnumber
from backend.models import Person
from backend.services.filing import filings
from backend.services.data import reference_data
from tests.support.personas import ApiActions, load_policies

MAY = date(2026, 5, 10)
ASKS_THE_CITY = "要去哪个城市看病"


def submit(actor, *lines) -> dict:
    """Say the lines, then take the first choice at each step until a filing is submitted; return that answer."""
    answer = actor.conversation(*lines)
    for _ in range(6):
        if answer.get("filing"):
            return answer
        answer = actor.conversation(1)
    raise AssertionError(f"no filing was submitted: {answer}")


def filed_in_may(app, person_id: int, **slots) -> str:
    """File a posted-worker filing in 苏州 for the person on 2026-05-10 (its lock has passed by today)."""
    wanted = {"principal": "self", "category": "posted_worker", "treatment_area": "320500", "start_date": "2026-05-20",
              "materials": "commitment_letter", "phone": "profile", **slots}
    with app.app_context(), clock.frozen(MAY):
        filing = filings.submit_filing(db.session.get(Person, person_id), wanted, channel="api", submit_key=None)
        db.session.commit()
        assert filing.status == "approved", filing.decision_reason
        return filing.reference


def statuses(actor) -> dict:
    return {f["reference"]: (f["status"], f["treatment_area"]["code"]) for f in actor.filings().get_json()["filings"]}


def stranger(app, client, openid="op-stranger") -> ApiActions:
    """A WeChat user who has never bound an insured identity."""
    with app.app_context():
        token = issue_token(ensure_identity(openid))
        db.session.commit()
    return ApiActions(client, token)


def bind_in_chat(actor: ApiActions) -> dict:
    """Bind as 李梅, insured in 沈阳, by answering the chat's three questions; return the last answer."""
    first17 = "21010219620101002"
    return actor.conversation("李梅", "沈阳", first17 + idnumber.check_digit(first17))


# --- questions about existing filings ------------------------------------------------------

@pytest.fixture()
def mothers_filing(as_person, today) -> str:
    """The son files for his consenting mother in 深圳 from 1 December; return the reference."""
    return submit(as_person("op-son"), "我妈退休后住在深圳，参保在沈阳", "下个月1号")["filing"]["reference"]


def test_the_mother_asking_who_filed_it_is_told_her_son_filed_it_and_when(as_person, mothers_filing):
    answer = as_person("op-retiree").conversation("谁帮我办的")
    assert answer["flow"] is None and "没找到" not in answer["reply"]
    assert mothers_filing in answer["reply"]
    assert "儿子" in answer["reply"] and "张*" in answer["reply"] and "2026-11-22" in answer["reply"]


@pytest.mark.parametrize("said", ["我的备案办好了吗", "查看我的备案", "查我的备案"])
def test_asking_about_ones_filing_lists_it_with_its_status_instead_of_starting_a_filing(as_person, mothers_filing, said):
    answer = as_person("op-retiree").conversation(said)
    assert answer["flow"] is None and ASKS_THE_CITY not in answer["reply"]
    assert mothers_filing in answer["reply"] and "深圳市" in answer["reply"] and "已通过" in answer["reply"]


def test_the_son_asking_whether_his_mothers_filing_is_done_is_shown_hers(as_person, mothers_filing):
    answer = as_person("op-son").conversation("我妈的备案办好了没")
    assert answer["flow"] is None and ASKS_THE_CITY not in answer["reply"]
    assert mothers_filing in answer["reply"] and "母亲" in answer["reply"]


# --- cancel and change in the chat ---------------------------------------------------------------

@pytest.mark.parametrize("said", ["出差取消了，这个备案帮我撤了吧", "取消备案"])
def test_asking_to_cancel_cancels_the_filing_only_after_the_explicit_confirmation(app, as_person, people, today, said):
    reference = filed_in_may(app, people.worker)
    worker = as_person("op-worker")
    answer = worker.conversation(said)
    assert answer["flow"] == "cancel" and "没找到" not in answer["reply"] and ASKS_THE_CITY not in answer["reply"]
    assert worker.conversation("好")["flow"] == "cancel"
    assert statuses(worker) == {reference: ("approved", "320500")}
    worker.conversation(1)
    assert statuses(worker) == {reference: ("cancelled", "320500")}


def test_a_correction_right_after_submitting_a_locked_filing_says_the_lock_and_never_files_a_second_one(as_person, today):
    worker = as_person("op-worker")
    reference = submit(worker, "公司派我去苏州工作一年", "12月1日")["filing"]["reference"]
    answer = worker.conversation("哎呀 填错了 公司其实是派我去杭州 能改吗")
    assert answer["flow"] != "filing" and "2027年5月22日" in answer["reply"]
    for _ in range(3):  # whatever is tapped next, nothing is filed
        worker.conversation(1)
    assert statuses(worker) == {reference: ("approved", "320500")}


def test_a_correction_right_after_submitting_an_unlocked_filing_changes_it_and_leaves_one_filing(app, as_person, today):
    with app.app_context():
        # 合肥 without any lock period, so the filing just made may be changed at once.
        load_policies("340100", change_lock_months=0, commitment_lock_months=0)
    worker = as_person("op-worker")
    reference = submit(worker, "公司派我去苏州工作一年", "12月1日")["filing"]["reference"]
    answer = worker.conversation("哎呀 填错了 公司其实是派我去杭州 能改吗")
    assert answer["flow"] == "change" and "杭州市" in answer["reply"]
    assert statuses(worker) == {reference: ("approved", "320500")}  # nothing changed before the confirmation
    worker.conversation(1)
    active = [value for value in statuses(worker).values() if value[0] in ("approved", "pending_review")]
    assert active == [("approved", "330100")]


# --- a person without a bound identity ---------------------------------------------------------------

def test_an_unbound_person_binds_inside_the_chat_and_is_never_sent_to_a_page(app, client, people, today):
    newcomer = stranger(app, client)
    answer = newcomer.conversation("我想办异地就医备案")
    assert answer["flow"] == "bind" and "我的 →" not in answer["reply"] and "我的→" not in answer["reply"]
    answer = bind_in_chat(newcomer)
    assert "绑定成功" in answer["reply"]
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.name == "李梅"))
        assert person is not None and person.insured_area_code == "210100"


def test_after_binding_in_the_chat_the_filing_asked_for_goes_on(app, client, people, today):
    newcomer = stranger(app, client)
    newcomer.conversation("我想办异地就医备案")
    bind_in_chat(newcomer)
    answer = newcomer.conversation(1)
    assert answer["flow"] == "filing" and ASKS_THE_CITY in answer["reply"]


def test_a_person_without_a_phone_on_file_is_asked_for_a_number_before_a_call_back_is_promised(app, client, people, today):
    newcomer = stranger(app, client)
    newcomer.conversation("我想办异地就医备案")
    bind_in_chat(newcomer)
    answer = newcomer.conversation("转人工")
    assert "回电话" not in answer["reply"] and "电话" in answer["reply"]
    answer = newcomer.conversation("13812345678")
    assert "138****5678" in answer["reply"]


# --- languages ---------------------------------------------------------------------------------------------

def test_english_please_switches_the_replies_to_english_and_is_stored_on_the_person(app, as_person, people, today):
    neighbour = as_person("op-neighbour")
    answer = neighbour.conversation("English please")
    assert answer["language"] == "en" and "reply in English" in answer["reply"]
    answer = neighbour.conversation("我要办备案")
    assert answer["language"] == "en" and "Which city" in answer["reply"]
    with app.app_context():
        assert db.session.get(Person, people.neighbour).language == "en"


def test_shenzhen_in_pinyin_is_understood_at_the_city_question(as_person, today):
    worker = as_person("op-worker")
    answer = worker.conversation("English please", "I want to apply for a filing")
    assert (answer["flow"], answer["state"]) == ("filing", "treatment_area")
    answer = worker.conversation("Shenzhen")
    assert answer["state"] == "category_group" and "couldn't find" not in answer["reply"]
    assert "long" in answer["reply"].lower()  # the next question, in English


# --- amounts remembered, true wording ---------------------------------------------------------------------------

def test_an_amount_said_with_the_cost_question_is_used_for_the_estimate_without_asking_again(app, as_person, mothers_filing):
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
    mother = as_person("op-retiree")
    answer = mother.conversation("在深圳住院花了两万，能报多少")
    for _ in range(4):
        if answer["flow"] is None:
            break
        assert "大概要花多少钱" not in answer["reply"]
        answer = mother.conversation(1)
    assert "20000元" in answer["reply"] and "医保约付" in answer["reply"]


def test_a_filing_that_starts_next_month_is_not_said_to_be_in_effect_already(as_person, today):
    answer = submit(as_person("op-worker"), "公司派我去苏州工作一年", "12月1日")
    assert answer["filing"]["status"] == "approved"
    assert "2026-12-01起生效" in answer["reply"]
    for untrue in ("即时生效", "今天起生效", "已生效"):
        assert untrue not in answer["reply"]


def test_an_unbound_visitor_of_the_h5_pages_is_led_to_the_chat_and_binds_there(app, client, people, today):
    from tests.support.pages import PageActions

    page = PageActions(client)
    page.sign_in("op-h5-stranger")
    assert page.open("/m/filings").status_code == 403 and 'href="/m/chat"' in page.html
    first17 = "21010219620101002"
    for said in ("我想办异地就医备案", "李梅", "沈阳", first17 + idnumber.check_digit(first17)):
        page.submit("/m/chat", {"text": said}, token_from="/m/chat")
        assert "我的 →" not in page.html
    assert "绑定成功" in page.html
    assert page.open("/m/filings").status_code == 200
