"""In Chromium at a phone's size: Enter in the answer box sends what the person typed, never choice 1,
and never submits the filing (issue 17). What was recorded is read from the database, not from the page."""
import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import DialogSession, Filing
from backend.services.filing import filings
from tests.browser.screens import answer, sign_in, start_filing

# What the son types at each step of his mother's filing; every other step is answered with a tap on 1.
# Each typed answer differs from choice 1, so a form whose default button were choice 1 would record it.
SON_TYPES = {
    "principal": "给我妈办",  # choice 1 is "为我自己办"
    "treatment_area": "深圳",
    "start_date": "下周一",  # choice 1 is "从今天开始" (2026-11-22, a Sunday)
    "phone": "13802415566",  # choice 1 is the phone in his profile
}
NEXT_MONDAY = "2026-11-23"


def _session(app, openid_person_id: int) -> DialogSession | None:
    with app.app_context():
        found = db.session.scalar(select(DialogSession).where(DialogSession.user_key == f"person:{openid_person_id}"))
        db.session.remove()
        return found


def _filings(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Filing))
        db.session.remove()
        return count


def _type_and_press_enter(tab, text: str) -> None:
    tab.fill("#f-text", text)
    with tab.expect_navigation():
        tab.press("#f-text", "Enter")


def _walk_to_the_confirmation(app, tab, person_id: int, typed: dict) -> list[tuple[str, dict]]:
    """Answer each step (typed + Enter where ``typed`` says, else a tap on 1); return what each typed step recorded."""
    recorded = []
    for _ in range(12):
        step = _session(app, person_id).step
        if step == "confirmed":
            return recorded
        if step in typed:
            _type_and_press_enter(tab, typed[step])
            after = _session(app, person_id)
            assert after.step != step, f"{typed[step]!r} + Enter left the person at {step}: {tab.inner_text('main')}"
            recorded.append((step, dict(after.slots)))
        else:
            answer(tab, 1)
    raise AssertionError(f"never reached the confirmation: {tab.inner_text('main')}")


@pytest.mark.parametrize("mode", ["normal", "large"])
def test_the_son_types_each_answer_and_presses_enter_and_what_he_typed_is_recorded(app, people, today, live_server,
                                                                                   page, screenshot, mode):
    sign_in(page, live_server, "op-son", large=mode == "large")
    start_filing(page, live_server)
    recorded = dict(_walk_to_the_confirmation(app, page, people.son, SON_TYPES))
    assert set(recorded) == set(SON_TYPES)
    assert recorded["principal"]["principal"] == f"member:{people.retiree}"
    assert recorded["treatment_area"]["treatment_area"] == "440300"
    assert recorded["start_date"]["start_date"] == NEXT_MONDAY
    assert "请核对" in page.inner_text("main")
    screenshot(page, f"enter-{mode}-confirm")
    assert _filings(app) == 0
    answer(page, 1)  # the deliberate tap on 确认提交
    with app.app_context():
        filing = db.session.scalar(select(Filing))
        summary = filings.summary(filing)
        assert (filing.principal_person_id, filing.actor_person_id) == (people.retiree, people.son)
        assert (summary["start_date"], summary["contact_phone"]) == (NEXT_MONDAY, "138****5566")
        db.session.remove()


@pytest.mark.parametrize("typed", ["", "1", "确认提交", "不对，日期要改"])
def test_enter_at_the_confirmation_submits_nothing(app, people, today, live_server, page, typed):
    sign_in(page, live_server, "op-worker", large=False)
    start_filing(page, live_server)
    _walk_to_the_confirmation(app, page, people.worker, {"treatment_area": "公司派我去苏州工作一年",
                                                        "start_date": "下周一"})
    assert "请核对" in page.inner_text("main")
    _type_and_press_enter(page, typed)
    assert _filings(app) == 0, page.inner_text("main")
    assert "备案成功" not in page.inner_text("main")
    if typed in ("1", "确认提交"):
        # The number or the name of the irreversible choice, typed, is not the tap it asks for; the text is kept.
        assert "确认提交" in page.inner_text(".problem") and page.input_value("#f-text") == typed
        assert _session(app, people.worker).step == "confirmed"


def test_the_submit_button_at_the_confirmation_is_in_a_form_of_its_own_without_a_text_box(app, people, today,
                                                                                           live_server, page):
    sign_in(page, live_server, "op-worker", large=False)
    start_filing(page, live_server)
    _walk_to_the_confirmation(app, page, people.worker, {"treatment_area": "公司派我去苏州工作一年"})
    submit = page.locator("button[name=choice]", has_text="确认提交")
    assert submit.count() == 1
    assert submit.evaluate("b => b.form.querySelectorAll('input:not([type=hidden]), textarea').length") == 0
    # The answer box's form submits with its own button, whatever the browser takes as the default.
    assert page.evaluate("() => document.querySelector('#f-text').form.querySelectorAll("
                         "'button[name=choice]').length") == 0


def test_on_the_chat_page_enter_sends_the_typed_date_not_the_first_choice(app, people, today, live_server, page):
    sign_in(page, live_server, "op-worker", large=False)
    page.goto(f"{live_server}/m/chat")
    _type_and_press_enter(page, "公司派我去苏州工作一年")
    assert _session(app, people.worker).step == "start_date" and page.locator("button.choice").count() >= 1
    _type_and_press_enter(page, "下周一")
    recorded = _session(app, people.worker)
    assert recorded.step != "start_date" and recorded.slots["start_date"] == NEXT_MONDAY
