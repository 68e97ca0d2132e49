"""Reviewers in the console: their areas' queue only, one decision per case, bulk approval of document checks."""
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.lib import clock
from backend.models import AuditEntry, OutboxMessage, StaffUser
from backend.services.console import review
from tests.support.console import (
    ConsoleActions, create_staff, filing, new_policy_version, pending_filing, text, waiting_at_different_times,
)


@pytest.fixture()
def cases(app, people, today):
    """A Hefei case (the worker) and a Shenyang case (the retiree, filed by her son), both waiting."""
    with app.app_context():
        create_staff()
        return {"hefei": pending_filing(people.worker),
                "shenyang": pending_filing(people.retiree, treatment="440300", category="retiree_resettled",
                                           by=people.son)}


@pytest.fixture()
def console(client):
    return ConsoleActions(client)


def test_the_queue_asks_for_a_sign_in_first(client):
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_a_reviewer_of_shenyang_sees_only_shenyang_cases_with_the_failed_checks(console, cases):
    console.login("reviewer-shenyang")
    page = text(console.queue())
    assert f'/console/cases/{cases["shenyang"]}' in page and cases["hefei"] not in page
    assert '<span class="chip">证明材料</span>' in page and "王秀英" in page


def listed(response) -> list[str]:
    """Return the case references a queue page links to, top to bottom."""
    return re.findall(r'href="/console/cases/([^"]+)"', text(response))


def test_the_queue_page_lists_the_case_waiting_longest_first_and_filters_by_category_and_days(app, console, people,
                                                                                              today):
    with app.app_context():
        create_staff("reviewer-shenyang")
        cases = waiting_at_different_times(people)
    console.login("reviewer-shenyang")
    assert listed(console.queue()) == [cases[k] for k in ("oldest", "older", "middle", "fresh")]
    assert listed(console.queue(category="posted_worker")) == [cases["older"], cases["fresh"]]
    assert listed(console.queue(min_age_days=5)) == [cases["oldest"], cases["older"]]
    assert listed(console.queue(category="long_term_resident", min_age_days=4)) == [cases["middle"]]
    nothing = console.queue(min_age_days=30)
    assert listed(nothing) == [] and "没有待审核的备案" in text(nothing)


def test_a_reviewer_of_shenyang_cannot_see_a_hefei_case(console, cases):
    console.login("reviewer-shenyang")
    response = console.case(cases["hefei"])
    assert response.status_code == 404 and "没有找到这个备案" in text(response)
    assert text(console.queue(area="340100")).count(cases["hefei"]) == 0


def between(page: str, start: str, end: str | None = None) -> str:
    """Return the part of a page from one heading to the next."""
    part = page[page.index(start):]
    return part[:part.index(end)] if end else part


def test_the_case_page_shows_the_declared_materials_the_persons_other_filings_and_the_audit_trail(
        app, console, people, today):
    with app.app_context():
        reviewer = create_staff("reviewer-shenyang")["reviewer-shenyang"]
        with clock.frozen(datetime(2026, 11, 3, 15, 0, tzinfo=clock.CHINA)):
            earlier = pending_filing(people.retiree, treatment="310000", category="long_term_resident")
        with clock.frozen(datetime(2026, 11, 5, 9, 0, tzinfo=clock.CHINA)):
            review.decide(db.session.get(StaffUser, reviewer), earlier, "reject", "documents_invalid")
        current = pending_filing(people.retiree, treatment="440300", category="retiree_resettled", by=people.son)
    console.login("reviewer-shenyang")
    page = text(console.case(current))
    facts = between(page, "申请 <small>Filing", "自动检查")
    assert "证明材料（申请人声明有，原件线下查验）" in facts and "这里没有上传的文件" in facts
    assert "请在窗口查看原件" in facts and "Nothing is uploaded here" in facts
    assert "张伟" in between(page, "申请人 <small>Person", "申请 <small>Filing")  # the son who filed it
    history = between(page, "此人的其他备案", "记录 <small>Audit trail")
    assert earlier in history and "未通过 rejected" in history and "2026-11-03" in history
    assert "2026-11-05" in history and "沈阳审核员" in history and "材料不能证明所选类别" in history
    assert current not in history
    trail = between(page, "记录 <small>Audit trail")
    assert "办理了备案 · 申请人" in trail and "审核未通过" not in trail  # only this case's events
    assert "办理了备案 · 申请人" in between(text(console.case(earlier)), "记录 <small>Audit trail")
    assert "审核未通过 · 工作人员 · 材料不能证明所选类别" in text(console.case(earlier))


def test_a_reviewer_of_shenyang_cannot_decide_a_hefei_case(app, console, cases):
    console.login("reviewer-shenyang")
    response = console.decide(cases["hefei"], "approve", "documents_verified", token=console.csrf("/console/"))
    assert response.status_code == 404
    with app.app_context():
        assert filing(cases["hefei"]).status == "pending_review"


def test_approving_a_case_hands_it_to_settlement_notifies_the_person_and_leaves_an_audit_row(app, console, cases,
                                                                                           people):
    console.login("reviewer-hefei")
    response = console.decide(cases["hefei"], "approve", "documents_verified")
    assert response.status_code == 302
    assert "已处理" in text(console.queue())
    with app.app_context():
        row = filing(cases["hefei"])
        assert (row.status, row.decision_mode, row.decision_reason) == ("approved", "staff", "documents_verified")
        assert row.decided_by_staff_id is not None and row.decided_at is not None and row.handoff_status == "pending"
        topics = db.session.scalars(select(OutboxMessage.topic).order_by(OutboxMessage.id)).all()
        assert topics == ["filing.registered", "notification.filing_decided"]
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "filing.review_approve"))
        assert (audit.actor_kind, audit.subject_id, audit.principal_person_id) == ("staff", cases["hefei"], people.worker)


def test_rejecting_tells_the_person_why_in_chinese_and_the_son_who_filed_is_told_too(app, console, cases, people):
    console.login("reviewer-shenyang")
    console.decide(cases["shenyang"], "reject", "documents_mismatch", note="户口簿上的姓名与身份证不一致")
    with app.app_context():
        assert filing(cases["shenyang"]).status == "rejected"
        notes = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "notification.filing_decided")).all()
        assert sorted(int(n.aggregate_id) for n in notes) == sorted([people.retiree, people.son])
        params = notes[0].payload["params"]
        assert params["status"] == "rejected" and "不一致" in params["reason_zh"] and params["note"].startswith("户口簿")
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.topic == "filing.registered")) == 0


def test_asking_for_more_takes_the_case_out_of_the_queue_with_the_reason(app, console, cases):
    console.login("reviewer-hefei")
    console.decide(cases["hefei"], "request_info", "documents_unclear")
    assert f'/console/cases/{cases["hefei"]}' not in text(console.queue())
    with app.app_context():
        assert filing(cases["hefei"]).status == "info_requested"
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_id == cases["hefei"],
                                                                 AuditEntry.actor_kind == "staff")) == "filing.review_request_info"


def test_the_second_reviewer_of_a_case_is_told_who_decided_it_and_when(app, client, cases):
    first, second = ConsoleActions(client), ConsoleActions(app.test_client())
    first.login("reviewer-shenyang")
    second.login("reviewer-shenyang-2")
    token = second.csrf(f"/console/cases/{cases['shenyang']}")  # both have the case open
    first.decide(cases["shenyang"], "approve", "eligible_after_review")
    late = second.decide(cases["shenyang"], "reject", "documents_invalid", token=token)
    assert late.status_code == 409
    assert "沈阳审核员" in text(late) and "2026-11-22 10:00" in text(late) and "您的决定没有保存" in text(late)
    with app.app_context():
        assert filing(cases["shenyang"]).status == "approved"


def test_a_reason_that_needs_a_note_is_refused_without_one_and_the_form_keeps_the_choice(console, cases):
    console.login("reviewer-hefei")
    response = console.decide(cases["hefei"], "reject", "not_eligible")
    assert response.status_code == 400
    body = text(response)
    assert "这个理由需要填写补充说明" in body and 'value="not_eligible" selected' in body


def test_a_reason_of_another_action_or_a_made_up_one_is_a_clear_400_not_a_500(console, cases):
    console.login("reviewer-hefei")
    assert console.decide(cases["hefei"], "approve", "documents_unclear").status_code == 400
    assert console.decide(cases["hefei"], "approve", "<script>").status_code == 400
    assert console.client.get("/console/?page=abc&min_age_days=-3").status_code == 200


def test_a_decision_without_a_csrf_token_is_refused(app, client, cases):
    console = ConsoleActions(client)
    console.login("reviewer-hefei")
    response = client.post(f"/console/cases/{cases['hefei']}/decision",
                           data={"action": "approve", "reason": "documents_verified"})
    assert response.status_code == 400 and "页面停留太久" in text(response)
    with app.app_context():
        assert filing(cases["hefei"]).status == "pending_review"


def test_bulk_approval_takes_only_cases_whose_only_open_point_is_the_document_check(app, console, people, today):
    with app.app_context():
        create_staff("reviewer-shenyang")
        documents_only = pending_filing(people.son)
        new_policy_version("210100", self_service_enabled=False)  # the area now reviews everything by hand
        manual = pending_filing(people.retiree, treatment="440300", category="retiree_resettled")
    console.login("reviewer-shenyang")
    page = text(console.queue())
    assert f'value="{documents_only}"' in page and f'value="{manual}"' not in page
    console.bulk_approve(documents_only, manual)
    with app.app_context():
        assert filing(documents_only).status == "approved" and filing(manual).status == "pending_review"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "filing.review_approve")) == 1
