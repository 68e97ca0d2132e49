"""The official account answers "can I settle at this hospital?" with the verdict (the hospital-question issue).

Before, picking a hospital from a list in the official account answered just "好的。": the verdict
never reached the person. Here a bound follower talks to the real /wechat endpoint with signed XML;
what the person hears is the passive reply plus any customer-service follow-ups the fake WeChat
peer received for that turn. The clock is Sunday 2026-11-22.
"""
import pytest

from backend.extensions import db
from backend.services.data import reference_data
from tests.support.fake_wechat import fake_wechat, wechat  # noqa: F401

WORKER = ("李强", "340102199001150033", "340100")


@pytest.fixture()
def worker(app, wechat, people, today):
    """The Hefei worker, posted to Shenzhen, filed through the official account from today."""
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
    user, _token = wechat.follow_bound("oa-worker", "union-worker", "ok:mp-worker:union-worker", *WORKER)
    user.say("公司派我去深圳工作一年")
    reply = user.conversation(1, 1, 1, 1, 1)  # from today, commitment letter, signed, the phone on file, submit
    assert "备案成功" in reply and "今天起生效" in reply, reply
    wechat.deliver()
    return user


def heard(wechat, user, line) -> str:
    """Send one line; return everything the person reads for it: the passive reply and the follow-ups."""
    before = len(wechat.fake.received("/cgi-bin/message/custom/send"))
    passive = user.say(str(line)) or ""
    wechat.deliver()
    sent = wechat.fake.received("/cgi-bin/message/custom/send")[before:]
    follow_ups = [s["body"]["text"]["content"] for s in sent if s["body"]["touser"] == user.openid]
    return "\n".join([passive] + follow_ups)


def test_the_named_hospital_then_the_kind_of_care_by_number_gets_the_verdict(wechat, worker):
    asked = heard(wechat, worker, "深圳市人民医院能直接结算吗")
    assert "1 住院" in asked and "2 普通门诊" in asked, asked
    answer = heard(wechat, worker, 2)
    assert answer.strip() not in ("好的。", "")
    assert "能。" in answer and "深圳市人民医院" in answer and "可以直接结算" in answer, answer


def test_a_hospital_picked_from_the_list_by_number_gets_the_verdict(wechat, worker):
    heard(wechat, worker, "找医院")
    listed = heard(wechat, worker, 1)  # 住院
    number = next(line.split(" ", 1)[0] for line in listed.splitlines() if "深圳市人民医院" in line)
    answer = heard(wechat, worker, number)
    assert answer.strip() not in ("好的。", "")
    assert "能。" in answer and "深圳市人民医院" in answer, answer


def test_a_hospital_not_networked_for_the_care_says_no_and_why(wechat, worker):
    heard(wechat, worker, "福田区人民医院能直接结算吗")
    answer = heard(wechat, worker, 2)  # 普通门诊: this hospital is networked for inpatient care only
    assert "不能直接结算" in answer and "没有开通普通门诊" in answer, answer


def test_in_large_text_the_verdict_and_its_reason_still_reach_the_person(wechat, worker):
    heard(wechat, worker, "大字")
    heard(wechat, worker, "福田区人民医院能直接结算吗")
    answer = heard(wechat, worker, 2)
    assert answer.startswith("不能") and "普通门诊" in answer, answer


def test_a_day_before_the_filing_starts_says_no_with_the_date(app, wechat, people, today):
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
    user, _token = wechat.follow_bound("oa-worker", "union-worker", "ok:mp-worker:union-worker", *WORKER)
    user.say("公司派我去深圳工作一年")
    user.say("12月1日")
    assert "备案已通过" in user.conversation(1, 1, 1, 1)
    wechat.deliver()
    heard(wechat, user, "深圳市人民医院能直接结算吗")
    answer = heard(wechat, user, 1)
    assert "不能直接结算" in answer and "2026年12月1日起生效" in answer, answer
