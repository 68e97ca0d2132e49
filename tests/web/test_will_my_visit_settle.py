""""Will my visit at this hospital on that day settle?" in the conversation (the hospital-question issue).

Each test is a person's own words through the real API; the sample institutions and policies are
loaded. The clock is 2026-11-22 (a Sunday); the mother's Shenzhen filing starts 2026-12-01.
"""
from datetime import date

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import Filing

PUMCH = "SH1100000001"  # 北京协和医院


@pytest.fixture()
def mother(as_person, sample):
    """The retiree, who filed herself for Shenzhen from 2026-12-01 (long term)."""
    retiree = as_person("op-retiree")
    filed = retiree.file("我退休了，跟儿子住到深圳了，想办备案", "12月1日")
    assert filed["filing"]["status"] == "approved", filed["reply"]
    retiree.say("取消")
    return retiree


def _reply(person, *lines) -> dict:
    body = person.conversation(*lines)
    return body


def test_the_named_hospital_and_the_visit_date_decide_the_answer(mother):
    # Tuesday 12月1日 is the filing's first day: the named hospital is checked on that day, not today.
    body = _reply(mother, "我12月1号去深圳市人民医院看门诊能直接结算吗")
    assert "能。12月1日在深圳市人民医院看门诊可以直接结算" in body["reply"], body["reply"]
    assert "approved" not in body["reply"]
    # The natural next steps follow as choices; she has filed, so filing is not offered again.
    values = [c["value"] for c in body["choices"]]
    assert values == ["settlement", "institution"], body["choices"]
    # "那12月20号呢": the same hospital and care, another day.
    again = _reply(mother, "那12月20号呢")
    assert "能。12月20日在深圳市人民医院看门诊可以直接结算" in again["reply"], again["reply"]


def test_a_day_before_the_filing_starts_gets_the_true_reason_with_the_dates(mother):
    # Next Tuesday (the clock is on Sunday 11月22日) is 11月24日, a week before the filing starts.
    body = _reply(mother, "我下周二去北大深圳医院住院，能直接结算吗")
    reply = body["reply"]
    assert "11月24日在北京大学深圳医院住院还不能直接结算" in reply, reply
    assert "2026年12月1日起生效" in reply and "以后去就能直接结算" in reply
    assert "可以换这几家" not in reply  # another hospital would not settle either


def test_ruijin_hospital_is_the_shanghai_hospital_not_the_town_of_ruijin(app, as_person, sample):
    worker = as_person("op-worker")
    filed = worker.file("公司派我去上海工作一年", "12月1日")
    assert filed["filing"]["status"] in ("approved", "pending_review"), filed["reply"]
    worker.say("取消")
    body = _reply(worker, "能直接结算吗", "住院，在瑞金医院")
    assert "瑞金医院" in body["reply"] and "赣州" not in body["reply"], body["reply"]
    assert "暂时没有找到" not in body["reply"]


def test_a_pending_filing_is_named_and_no_useless_alternatives_are_listed(app, as_person, people, sample):
    son = as_person("op-son")
    son.file("我妈退休了要去北京住，医保在沈阳，我帮她办", "12月1日")
    with app.app_context():
        filing = db.session.scalar(select(Filing).where(Filing.principal_person_id == people.retiree))
        # As if her insured area had sent it to a reviewer (the review queue's own tests cover how).
        filing.status, filing.decision_mode = "pending_review", None
        db.session.commit()
    mother = as_person("op-retiree")
    with clock.frozen(date(2026, 12, 3)):
        body = _reply(mother, "北京协和医院能直接结算吗", "住院")
    reply = body["reply"]
    assert "还在审核" in reply and "11月22日提交" in reply or "2026年11月22日提交" in reply, reply
    assert "审核通过后就能直接结算" in reply
    assert "可以换这几家" not in reply and "公里" not in reply


def test_typing_a_city_at_a_hospital_list_looks_in_that_city(mother):
    body = _reply(mother, "找医院", "住院")
    assert "深圳市开通了住院直接结算的机构" in body["reply"], body["reply"]
    body = _reply(mother, "上海")
    assert "上海市开通了住院直接结算的机构" in body["reply"], body["reply"]
    assert body["state"] == "institution"  # still choosing: no hospital was picked


def test_one_short_name_shared_by_three_hospitals_asks_which(as_person, sample):
    neighbour = as_person("op-neighbour")  # no filing: no area is being discussed
    body = _reply(neighbour, "协和医院住院能直接结算吗")
    labels = [c["label"] for c in body["choices"]]
    assert labels == ["北京协和医院（北京市）", "福建医科大学附属协和医院（福州市）",
                      "华中科技大学同济医学院附属协和医院（武汉市）"], body["choices"]
    answer = _reply(neighbour, "北京那个")
    assert "北京协和医院" in answer["reply"] and "没有有效的备案" in answer["reply"], answer["reply"]
    assert "办备案" in [c["label"][:3] for c in answer["choices"]]


def test_the_short_name_is_resolved_in_the_filed_city(mother):
    # 中山医院 is in Shanghai and in Xiamen; 北大深圳医院 only in Shenzhen.
    body = _reply(mother, "12月5日在北大深圳医院住院能结算不")
    assert "能。12月5日在北京大学深圳医院住院可以直接结算" in body["reply"], body["reply"]
    assert "公里" not in body["reply"]


def test_a_dialysis_patient_without_the_qualification_hears_what_is_missing(app, mother, people):
    with clock.frozen(date(2026, 12, 3)):
        body = _reply(mother, "我要透析，在深圳市人民医院能直接结算吗")
    reply = body["reply"]
    assert "资格认定" in reply, reply
    assert "能。" not in reply or "还要先" in reply, reply


def test_a_wrong_service_type_is_named(mother):
    with clock.frozen(date(2026, 12, 3)):
        body = _reply(mother, "在福田区人民医院看门诊能直接结算吗")
    reply = body["reply"]
    assert "在深圳市福田区人民医院看门诊现在还不能直接结算" in reply and "没有开通普通门诊" in reply, reply
    assert "可以换这几家" in reply and "公里" not in reply


def test_english_status_words_never_leak(mother):
    body = _reply(mother, "明天在深圳市人民医院看门诊能直接结算吗")
    for word in ("approved", "pending_review", "not_started", "None"):
        assert word not in body["reply"]


def test_a_hospital_named_with_a_plan_is_answered_whether_it_settles(mother):
    body = _reply(mother, "我12月3号要去北大深圳医院住院")
    assert "能。12月3日在北京大学深圳医院住院可以直接结算" in body["reply"], body["reply"]
    body = _reply(mother, "深圳市人民医院")
    # The hospital alone, right after asking about a stay: the same kind of care, today.
    assert "在深圳市人民医院住院现在还不能直接结算" in body["reply"], body["reply"]


def test_a_past_visit_before_the_filing_is_a_claim_not_another_day(mother):
    with clock.frozen(date(2026, 12, 7)):
        body = _reply(mother, "我11月3号在北大深圳医院看的门诊，能报吗")
    reply = body["reply"]
    assert "11月3日在北京大学深圳医院看门诊不能直接结算" in reply, reply
    assert "手工报销" in reply and "以后去" not in reply
    assert "算算大概能报多少" not in reply  # a plain no: no estimate offered


def test_an_impossible_day_is_asked_again_not_guessed(mother):
    body = _reply(mother, "12月32号去北大深圳医院住院能直接结算吗")
    assert "“12月32号”不是一个有效的日期" in body["reply"], body["reply"]
    body = _reply(mother, "12月3号")
    assert "能。12月3日在北京大学深圳医院住院可以直接结算" in body["reply"], body["reply"]


def test_a_date_said_earlier_is_not_reused_for_the_next_question(mother):
    _reply(mother, "我12月3号去北大深圳医院住院能直接结算吗")
    with clock.frozen(date(2026, 12, 2)):
        body = _reply(mother, "协和医院住院能直接结算吗", "北京那个")
    assert "12月3日" not in body["reply"], body["reply"]
    assert "另外办理备案" in body["reply"] and "变更备案" not in body["reply"]


def test_an_english_speaker_names_the_hospital_in_pinyin(mother):
    body = _reply(mother, "English please. Will an inpatient stay at Ruijin Hospital on 12 December settle directly?")
    reply = body["reply"]
    assert "An inpatient stay at 上海交通大学医学院附属瑞金医院 on 12 Dec will not settle directly" in reply, reply
    assert "Your filing is for Shenzhen" in reply and "深圳市" not in reply.split("instead")[0]


@pytest.mark.parametrize("words", ["English please. I told you, Ruijin. Inpatient, 12 December, will it settle?",
                                   "English please. would ruijin settle an inpatient stay on 12 December"])
def test_an_english_speaker_may_name_the_hospital_without_the_word_hospital(mother, words):
    reply = _reply(mother, words)["reply"]
    assert "上海交通大学医学院附属瑞金医院" in reply and "will not settle directly" in reply, reply
