"""A number sent twice by mistake never signs, submits or cancels (QUICK_TAP_SECONDS).

WeChat and clients without the dialog's version send only "1". The first "1" at the papers step shows the
commitment letter; a second "1" a moment later would sign it. A number that picks an irreversible choice
sooner than QUICK_TAP_SECONDS after the question was shown is asked again; after that time (read the
letter, then "1") it is taken. The mini-program sends the version and is never held back.
"""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.lib import clock
from backend.models import Filing
from tests.support.fake_wechat import fake_wechat, wechat  # noqa: F401

SHOWN = datetime(2026, 11, 22, 10, 0, tzinfo=clock.CHINA)
LATER = SHOWN + timedelta(seconds=30)


@pytest.fixture()
def guarded(app):
    app.config["QUICK_TAP_SECONDS"] = 3.0


def _at_the_letter(worker):
    answer = worker.conversation("公司派我去苏州工作一年", "12月1日", 1)
    assert answer["state"] == "commitment" and "本人承诺" in answer["reply"]
    return answer


def test_a_second_one_at_once_does_not_sign_the_letter_and_the_same_one_after_reading_it_does(
        app, as_person, guarded):
    worker = as_person("op-worker")
    with clock.frozen(SHOWN):
        _at_the_letter(worker)
        held = worker.conversation(1)  # the same instant: a double tap
    assert held["state"] == "commitment", held["reply"]
    assert "连按了两次" in held["reply"] and "本人承诺" in held["reply"]  # asked again, with the letter
    assert "没太明白" not in held["reply"] and "没听明白" not in held["reply"]  # a number is what it asked for
    with clock.frozen(LATER):
        signed = worker.conversation(1)
    assert signed["state"] != "commitment", signed["reply"]


def test_submitting_by_number_waits_for_the_summary_to_be_read_and_nothing_is_filed_before(
        app, as_person, guarded):
    worker = as_person("op-worker")
    with clock.frozen(SHOWN):
        _at_the_letter(worker)
    with clock.frozen(LATER):
        worker.conversation(1)  # signed after reading
    with clock.frozen(LATER + timedelta(seconds=10)):
        summary = worker.conversation(1)  # the phone on file, read first: the summary
    assert summary["state"] == "confirmed"
    submit = next(c["number"] for c in summary["choices"] if c["value"] == "yes")
    with clock.frozen(LATER + timedelta(seconds=10)):
        held = worker.conversation(submit)
    assert held["state"] == "confirmed" and held["filing"] is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 0
    with clock.frozen(LATER + timedelta(seconds=20)):
        filed = worker.conversation(submit)
    assert filed["state"] == "submitted" and filed["filing"]["status"] == "approved"


def test_a_tap_with_the_dialog_version_and_words_that_say_it_are_never_held_back(app, as_person, guarded):
    worker = as_person("op-worker")
    with clock.frozen(SHOWN):
        shown = _at_the_letter(worker)
        tapped = worker.choose(1, version=shown["version"]).get_json()  # the mini-program proves what it answers
    assert tapped["state"] != "commitment", tapped["reply"]
    other = as_person("op-retiree")
    with clock.frozen(SHOWN):
        answer = other.conversation("我退休了，下个月1号搬到深圳住，医保在沈阳")
        while answer["state"] not in ("materials", "commitment"):
            answer = other.conversation(1)
        if answer["state"] == "materials":
            answer = other.conversation(1)
        said = other.conversation("我已阅读并承诺")
    assert said["state"] != "commitment", said["reply"]


def test_a_number_that_picks_nothing_irreversible_is_taken_at_once(app, as_person, guarded):
    worker = as_person("op-worker")
    with clock.frozen(SHOWN):
        answer = worker.conversation("公司派我去苏州工作一年", "12月1日")
        assert answer["state"] == "materials"
        answer = worker.conversation(1)  # the letter is shown: choosing it signs nothing
    assert answer["state"] == "commitment"


def test_the_official_account_typing_one_twice_does_not_sign(app, wechat, people, guarded):
    user, _token = wechat.follow_bound("oa-worker", "union-worker", "ok:mp-worker:union-worker",
                                       "李强", "340102199001150033", "340100")
    with clock.frozen(SHOWN):
        user.conversation("公司派我去苏州工作一年", "12月1日")
        reply = user.conversation(1)
        assert "1 我已阅读并承诺" in reply
        held = user.conversation(1)
    assert "连按了两次" in held and "我已阅读并承诺" in held
    with clock.frozen(LATER):
        signed = user.conversation(1)
    assert "我已阅读并承诺" not in signed.split("\n")[0]


def test_the_setting_is_off_in_tests_by_default_and_three_seconds_when_served(app, monkeypatch):
    from backend.config import build_config

    assert app.config["QUICK_TAP_SECONDS"] == 0
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    assert build_config()["QUICK_TAP_SECONDS"] == 3.0


def test_the_same_number_twice_at_once_does_not_answer_the_next_question(app, as_person, guarded):
    # "1" for 长期, and the same "1" a moment later would pick the first category without it being read.
    worker = as_person("op-worker")
    with clock.frozen(SHOWN):
        answer = worker.conversation("我想办异地就医备案", "苏州")
        while answer["state"] != "category" and answer["choices"]:
            first = answer
            answer = worker.conversation(1)
        assert answer["state"] == "category", answer["reply"]
        held = worker.conversation(1)
    assert held["state"] == "category" and "多按了一次" in held["reply"], held["reply"]
    assert "没太明白" not in held["reply"]
    with clock.frozen(LATER):
        chosen = worker.conversation(1)  # the same number after reading: taken
    assert chosen["state"] != "category"
    assert first  # the walk above answered at least one numbered question


def test_a_different_number_at_once_is_an_answer(app, as_person, guarded):
    worker = as_person("op-worker")
    with clock.frozen(SHOWN):
        answer = worker.conversation("我想办异地就医备案", "苏州")
        while answer["state"] != "category" and answer["choices"]:
            answer = worker.conversation(1)
        number = next(c["number"] for c in answer["choices"] if c["number"] != 1)
        taken = worker.conversation(number)
    assert taken["state"] != "category"
