"""The review service: scope by insured area, one winner among concurrent decisions, audit and outbox rows."""
import threading
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.lib import clock
from backend.models import AuditEntry, Filing, OutboxMessage, StaffUser
from backend.services.console import review
from backend.lib.errors import NotFound
from backend.services.console.review import AlreadyDecided, QueueFilters
from backend.services.console.staff_accounts import StaffForbidden
from tests.support.console import (
    create_staff, filing, new_policy_version, pending_filing, waiting_at_different_times,
)


def staff(username: str) -> StaffUser:
    return db.session.scalar(select(StaffUser).where(StaffUser.username == username))


@pytest.fixture()
def waiting(app, people, today):
    """The worker's Hefei case and the retiree's Shenyang case (filed by her son)."""
    with app.app_context():
        create_staff()
        yield {"hefei": pending_filing(people.worker),
               "shenyang": pending_filing(people.retiree, treatment="440300", category="retiree_resettled",
                                          by=people.son)}


def test_the_queue_holds_only_the_reviewers_insured_areas_and_counts_them(app, waiting):
    page = review.queue(staff("reviewer-hefei"), QueueFilters())
    assert [r.reference for r in page.rows] == [waiting["hefei"]] and page.total == 1
    assert page.rows[0].failed_checks == ["materials"] and page.rows[0].bulk_eligible
    everything = review.queue(staff("auditor"), QueueFilters())
    assert {r.reference for r in everything.rows} == set(waiting.values())


@pytest.fixture()
def over_time(app, people, today):
    """Four Shenyang cases filed 1, 4, 6 and 12 days before today (tests/support/console.py)."""
    with app.app_context():
        create_staff("reviewer-shenyang")
        yield waiting_at_different_times(people)


def references(filters: QueueFilters = QueueFilters(), **kwargs) -> list[str]:
    return [r.reference for r in review.queue(staff("reviewer-shenyang"), filters, **kwargs).rows]


def test_the_queue_puts_the_case_waiting_longest_first_whatever_order_the_cases_were_stored_in(app, over_time):
    page = review.queue(staff("reviewer-shenyang"), QueueFilters())
    assert [r.reference for r in page.rows] == [over_time[k] for k in ("oldest", "older", "middle", "fresh")]
    assert [r.age_hours for r in page.rows] == [288.5, 144.5, 96.5, 24.5]
    assert page.total == 4 and page.oldest_hours == 288.5


def test_the_queue_keeps_its_order_across_pages(app, over_time):
    first = review.queue(staff("reviewer-shenyang"), QueueFilters(), per_page=3)
    second = review.queue(staff("reviewer-shenyang"), QueueFilters(page=2), per_page=3)
    assert [r.reference for r in first.rows] == [over_time[k] for k in ("oldest", "older", "middle")]
    assert first.has_next and [r.reference for r in second.rows] == [over_time["fresh"]] and not second.has_next


def test_the_category_filter_returns_exactly_the_cases_of_that_category(app, over_time):
    assert references(QueueFilters(category="posted_worker")) == [over_time["older"], over_time["fresh"]]
    assert references(QueueFilters(category="retiree_resettled")) == [over_time["oldest"]]
    assert references(QueueFilters(category="emergency")) == []


def test_the_age_filter_returns_exactly_the_cases_waiting_at_least_that_many_days(app, over_time):
    assert references(QueueFilters(min_age_days=4)) == [over_time[k] for k in ("oldest", "older", "middle")]
    assert references(QueueFilters(min_age_days=5)) == [over_time["oldest"], over_time["older"]]
    assert references(QueueFilters(min_age_days=7)) == [over_time["oldest"]]
    assert references(QueueFilters(min_age_days=13)) == []
    assert references(QueueFilters(category="posted_worker", min_age_days=2)) == [over_time["older"]]


def test_a_reviewer_cannot_narrow_the_queue_to_another_area(app, waiting):
    with pytest.raises(StaffForbidden):
        review.queue(staff("reviewer-shenyang"), QueueFilters(area="340100"))


def test_a_reviewer_of_shenyang_can_neither_open_nor_decide_a_hefei_case(app, waiting):
    with pytest.raises(NotFound):
        review.case(staff("reviewer-shenyang"), waiting["hefei"])
    with pytest.raises(NotFound):
        review.decide(staff("reviewer-shenyang"), waiting["hefei"], "approve", "documents_verified")
    assert filing(waiting["hefei"]).status == "pending_review"


def test_an_auditor_and_an_area_administrator_may_read_a_case_but_not_decide_it(app, waiting):
    assert review.case(staff("auditor"), waiting["shenyang"]).can_decide is False
    assert review.case(staff("admin-shenyang"), waiting["shenyang"]).can_decide is False
    for who in ("auditor", "admin-shenyang"):
        with pytest.raises(StaffForbidden):
            review.decide(staff(who), waiting["shenyang"], "approve", "documents_verified")
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_every_decision_leaves_an_audit_row_and_an_outbox_row(app, people, waiting):
    more = pending_filing(people.son)
    reviewer = staff("reviewer-shenyang")
    review.decide(reviewer, waiting["shenyang"], "approve", "documents_verified")
    review.decide(reviewer, more, "reject", "documents_invalid")
    review.decide(staff("reviewer-hefei"), waiting["hefei"], "request_info", "documents_incomplete")
    for reference in (waiting["shenyang"], more, waiting["hefei"]):
        audits = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.subject_id == reference, AuditEntry.actor_kind == "staff")).all()
        assert len(audits) == 1 and audits[0].startswith("filing.review_")
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.topic == "notification.filing_decided",
            OutboxMessage.payload["params"]["reference"].as_string() == reference)) >= 1
    handoffs = db.session.scalars(select(OutboxMessage.aggregate_id).where(OutboxMessage.topic == "filing.registered")).all()
    assert handoffs == [waiting["shenyang"]]  # only an approval goes to settlement


def test_approving_a_change_that_went_to_review_supersedes_the_filing_it_replaces(app, people, waiting):
    old = filing(waiting["hefei"])
    old_id, lock_until = old.id, old.lock_until
    db.session.execute(Filing.__table__.update().where(Filing.id == old_id).values(status="approved"))
    db.session.commit()
    # One long-term filing at a time: the second city is a change of the first, once its lock has passed.
    with clock.frozen(datetime.combine(lock_until + timedelta(days=1), time(9), tzinfo=clock.CHINA)):
        new = pending_filing(people.worker, treatment="310000", replaces=waiting["hefei"])
        db.session.execute(Filing.__table__.update().where(Filing.reference == new).values(replaces_filing_id=old_id))
        db.session.commit()
        review.decide(staff("reviewer-hefei"), new, "approve", "documents_verified")
    assert filing(waiting["hefei"]).status == "superseded"
    topics = db.session.scalars(select(OutboxMessage.topic).where(OutboxMessage.aggregate_id == waiting["hefei"])).all()
    assert topics == ["filing.superseded"]


def test_a_second_decision_on_a_decided_case_names_who_decided_and_changes_nothing(app, waiting):
    review.decide(staff("reviewer-shenyang"), waiting["shenyang"], "approve", "eligible_after_review")
    with pytest.raises(AlreadyDecided) as refused:
        review.decide(staff("reviewer-shenyang-2"), waiting["shenyang"], "reject", "documents_invalid")
    assert refused.value.params["decided_by"] == "沈阳审核员"
    assert refused.value.params["decided_at"] == "2026-11-22 10:00"
    assert filing(waiting["shenyang"]).status == "approved"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.subject_id == waiting["shenyang"], AuditEntry.actor_kind == "staff")) == 1


def test_concurrent_decisions_on_one_case_one_wins_and_the_other_is_told(app, waiting):
    reference = waiting["shenyang"]
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def decide(username: str, action: str, reason: str):
        with app.app_context():
            reviewer = staff(username)
            barrier.wait()
            try:
                results[username] = review.decide(reviewer, reference, action, reason)
            except AlreadyDecided as exc:
                results[username] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=("reviewer-shenyang", "approve", "documents_verified")),
               threading.Thread(target=decide, args=("reviewer-shenyang-2", "reject", "documents_invalid"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    winners = [who for who, r in results.items() if isinstance(r, review.Outcome)]
    losers = [r for r in results.values() if isinstance(r, AlreadyDecided)]
    assert len(winners) == 1 and len(losers) == 1
    # The loser is told the winner's name, never its own.
    assert losers[0].params["decided_by"] == staff(winners[0]).display_name
    stored = filing(reference)
    assert stored.status == results[winners[0]].status and stored.decided_by_staff_id == staff(winners[0]).id
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.subject_id == reference, AuditEntry.actor_kind == "staff")) == 1


def test_bulk_approval_skips_cases_with_other_failed_checks_and_cases_already_decided(app, people, waiting):
    new_policy_version("210100", self_service_enabled=False)  # the area now reviews everything by hand
    manual = pending_filing(people.son)
    reviewer = staff("reviewer-shenyang")
    review.decide(staff("reviewer-shenyang-2"), waiting["shenyang"], "reject", "documents_invalid")
    result = review.bulk_approve(reviewer, [waiting["shenyang"], manual, waiting["hefei"]])
    assert result.approved == []
    assert dict(result.skipped) == {waiting["shenyang"]: "review_already_decided", manual: "review_not_bulk_eligible",
                                    waiting["hefei"]: "filing_not_found"}
