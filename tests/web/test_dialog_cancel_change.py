"""Cancelling and changing a filing through the chat API (POST /api/v1/dialog/messages), checked in GET /api/v1/filings.

Filings are made beforehand through the filing service with the clock set back, so that their
lock period has passed by today (2026-11-22) unless a test files today. The chat starts the
cancel / change flow from the person's own words.
"""
from datetime import date

from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import AuditEntry, OutboxMessage, Person
from backend.services.filing import filings

MAY = date(2026, 5, 10)


def file_for(app, person_id: int, *, on: date, principal: str = "self", expect: str = "approved", **slots) -> str:
    """Submit a filing through the filing service as of `on`; return its reference (decided as expected)."""
    wanted = {"principal": principal, "category": "posted_worker", "treatment_area": "320500",
              "start_date": (on.replace(day=20)).isoformat(), "materials": "commitment_letter", "phone": "profile",
              **slots}
    with app.app_context(), clock.frozen(on):
        filing = filings.submit_filing(db.session.get(Person, person_id), wanted, channel="api", submit_key=None)
        db.session.commit()
        assert filing.status == expect, filing.decision_reason
        return filing.reference


def statuses(actions) -> dict:
    return {f["reference"]: f["status"] for f in actions.filings().get_json()["filings"]}


def test_the_worker_cancels_his_filing_in_his_own_words_only_with_the_confirm_choice(app, as_person, people, today):
    reference = file_for(app, people.worker, on=MAY)
    worker = as_person("op-worker")
    answer = worker.conversation("出差取消了，这个备案帮我撤了吧")
    assert answer["state"] == "confirmed" and answer["flow"] == "cancel"
    assert "就医地：苏州市" in answer["reply"] and "不能再直接结算" in answer["reply"]
    assert [(c["label"], c["irreversible"]) for c in answer["choices"]] == [("确认撤销", True), ("先不撤了", False)]
    for unclear in ("好", "嗯", "这是啥"):
        answer = worker.conversation(unclear)
        assert answer["state"] == "confirmed" and '请点"确认撤销"或回复1' in answer["reply"]
    assert statuses(worker) == {reference: "approved"}
    answer = worker.conversation(1)
    assert "已撤销苏州市的备案" in answer["reply"] and "已取消" in answer["reply"]
    assert answer["flow"] is None
    assert statuses(worker) == {reference: "cancelled"}
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.topic).where(OutboxMessage.aggregate_id == reference,
                                                                   OutboxMessage.topic == "filing.cancelled"))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "filing.cancelled"))
        assert (entry.subject_id, entry.channel) == (reference, "dialog")


def test_keeping_the_filing_at_the_confirmation_leaves_it_active(app, as_person, people, today):
    reference = file_for(app, people.worker, on=MAY)
    worker = as_person("op-worker")
    answer = worker.conversation("取消备案", 2)
    assert "没有任何变化" in answer["reply"]
    assert statuses(worker) == {reference: "approved"}


def test_a_filing_made_today_is_refused_truthfully_with_its_lock_date_and_no_confirmation(app, as_person, people, today):
    reference = file_for(app, people.worker, on=today, start_date="2026-12-01")
    worker = as_person("op-worker")
    answer = worker.conversation("出差取消了，这个备案帮我撤了吧")
    assert "这个备案按参保地规定到2027年5月22日前不能取消" in answer["reply"]
    assert answer["state"] == "idle" and [c["value"] for c in answer["choices"]] == ["institution", "my_filings"]
    assert not any(c["irreversible"] for c in answer["choices"])
    worker.conversation("好")
    assert statuses(worker) == {reference: "approved"}


def test_a_correction_of_the_city_replaces_the_filing_and_leaves_one_active_filing(app, as_person, people, today):
    old = file_for(app, people.worker, on=MAY)
    worker = as_person("op-worker")
    answer = worker.conversation("哎呀 填错了 公司其实是派我去杭州 能改吗")
    assert answer["state"] == "confirmed" and answer["flow"] == "change"
    assert "就医城市：苏州市 → 杭州市" in answer["reply"].splitlines()
    assert answer["choices"][0]["irreversible"] and answer["choices"][0]["label"] == "确认变更"
    answer = worker.conversation("确认变更")
    assert "已变更" in answer["reply"] and f"原备案 {old} 已停用" in answer["reply"]
    rows = worker.filings().get_json()["filings"]
    active = [f for f in rows if f["status"] in ("approved", "pending_review")]
    assert len(active) == 1 and active[0]["treatment_area"]["code"] == "330100"
    assert active[0]["start_date"] == "2026-11-22" and active[0]["reference"] != old
    assert statuses(worker)[old] == "superseded"


def test_a_change_to_a_city_in_the_insured_province_is_refused_with_the_reason(app, as_person, people, today):
    reference = file_for(app, people.worker, on=MAY)
    worker = as_person("op-worker")
    answer = worker.conversation("备案改成芜湖")
    assert "芜湖市和参保地合肥市在同一个省" in answer["reply"] and answer["state"] == "treatment_area"
    assert statuses(worker) == {reference: "approved"}


def test_a_change_that_goes_to_review_says_the_old_filing_stays_valid_until_then(app, as_person, people, today):
    old = file_for(app, people.worker, on=MAY, materials="documents", expect="pending_review")
    with app.app_context():  # a reviewer approved it in May
        from backend.models import Filing
        db.session.scalar(select(Filing).where(Filing.reference == old)).status = "approved"
        db.session.commit()
    worker = as_person("op-worker")
    answer = worker.conversation("我的备案要改到杭州", 1)
    assert "需要工作人员审核" in answer["reply"] and f"原备案 {old} 继续有效" in answer["reply"]
    found = statuses(worker)
    assert found[old] == "approved" and sorted(found.values()) == ["approved", "pending_review"]


def test_the_son_cancels_his_mothers_filing_and_she_sees_it_cancelled(app, as_person, people, today):
    reference = file_for(app, people.son, on=MAY, principal=f"member:{people.retiree}", category="retiree_resettled",
                         treatment_area="440300")
    son = as_person("op-son")
    answer = son.conversation("帮我妈把深圳的备案取消")
    assert answer["state"] == "confirmed" and "为谁：您的母亲" in answer["reply"]
    son.conversation(1)
    assert statuses(as_person("op-retiree")) == {reference: "cancelled"}


def test_moving_a_trips_start_in_the_chat_keeps_its_end_and_the_api_change_does_too(app, as_person, people, today):
    trip = file_for(app, people.worker, on=date(2026, 11, 20), category="other_temporary",
                    start_date="2026-12-08", end_date="2026-12-20")
    worker = as_person("op-worker")
    answer = worker.conversation("苏州那个备案 开始往后推两天")
    assert answer["flow"] == "change" and answer["state"] == "confirmed", answer["reply"]
    assert "结束日期：2026年12月20日（不变）" in answer["reply"].splitlines()
    answer = worker.conversation("回来还是20号对吧？")
    assert answer["state"] == "confirmed" and "结束日期仍是2026年12月20日" in answer["reply"]
    worker.conversation("确认变更")
    active = [f for f in worker.filings().get_json()["filings"] if f["status"] == "approved"]
    assert [(f["start_date"], f["end_date"]) for f in active] == [("2026-12-10", "2026-12-20")]
    # The API's change keeps the end of the stay too when only the start moves.
    moved = worker.change(active[0]["reference"], start_date="2026-12-11")
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["start_date"], moved.get_json()["end_date"]) == ("2026-12-11", "2026-12-20")
    assert trip != active[0]["reference"]
