"""Dashboard figures from filings decided automatically, by staff, and still waiting (time controlled)."""
from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from backend.extensions import db
from backend.lib import clock
from backend.models import Filing, StaffUser
from backend.services.console import dashboard, review
from backend.services.filing import handoff
from tests.support.console import create_staff, pending_filing


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=clock.CHINA)


def staff(username: str) -> StaffUser:
    return db.session.scalar(select(StaffUser).where(StaffUser.username == username))


@pytest.fixture()
def history(app, people):
    """Nov 20: the worker's filing decided at once; Nov 21: the son's, rejected by staff a day later;
    Nov 22 08:00: the retiree's, still waiting at 10:00."""
    with app.app_context():
        create_staff()
        with clock.frozen(at(20, 9)):
            pending_filing(people.worker, materials="commitment_letter")
        with clock.frozen(at(21, 10)):
            son = pending_filing(people.son)
        with clock.frozen(at(22, 10)):
            review.decide(staff("reviewer-shenyang"), son, "reject", "documents_invalid")
        with clock.frozen(at(22, 8)):
            pending_filing(people.retiree, treatment="440300", category="retiree_resettled")
        with clock.frozen(at(22, 10)):
            yield


def test_the_auditor_sees_filings_per_day_the_automatic_share_and_times_to_decision(app, history):
    board = dashboard.build(staff("auditor"), days=3)
    assert [(d.day, d.filed, d.auto, d.staff, d.pending) for d in board.days] == [
        (date(2026, 11, 20), 1, 1, 0, 0), (date(2026, 11, 21), 1, 0, 1, 0), (date(2026, 11, 22), 1, 0, 0, 1)]
    s = board.summary
    assert (s.filed, s.decided, s.auto_share) == (3, 2, 0.5)
    assert (s.median_minutes, s.p90_minutes) == (720, 1296)
    assert s.staff_median_minutes == 1440
    assert (s.pending, s.oldest_hours) == (1, 2)
    assert board.queue_ages[0] == ("<1天 day", 1)
    assert [(code, n) for code, _, n in board.refusals] == [("documents_invalid", 1)]


def test_a_reviewer_sees_the_figures_of_their_own_areas_only(app, history):
    board = dashboard.build(staff("reviewer-hefei"), days=3)
    assert (board.summary.filed, board.summary.auto_share, board.summary.pending) == (1, 1.0, 0)
    assert [code for code, _, _ in board.per_area] == ["340100"]


def test_the_csv_has_a_row_per_day_and_a_row_per_area(app, history):
    csv = dashboard.daily_csv(dashboard.build(staff("auditor"), days=3))
    lines = csv.splitlines()
    assert lines[0].startswith("date,area,filed,decided_auto")
    assert lines[2] == "2026-11-21,all,1,0,1,0,0,1,1440.0,1440.0"
    assert any(line.startswith("210100,沈阳市,2,1,0.000") for line in lines)
    assert any(line.startswith("refusal,documents_invalid,1,") for line in lines)


def hand_off_failed(person_id: int, detail: str | None) -> None:
    """Record that a person's filings could not be handed off to settlement, as the worker does."""
    db.session.execute(update(Filing).where(Filing.principal_person_id == person_id)
                       .values(handoff_status="failed", handoff_detail=detail))
    db.session.commit()


@pytest.mark.parametrize(("detail", "kind"), [
    ("refused: invalid_input {'field': 'category'}", "data_invalid"),
    ("refused: unauthorized {}", "access_refused"),
    ("refused: not_found {}", "wrong_address"),
    ("refused: idempotency_key_reused {'reference': 'BA1', 'version': 2}", "duplicate_key"),
    ("refused: settlement_rejected {'why': 'closed'}", "other_refusal"),
    ("something else entirely", "other_refusal"),
    ("", "unknown"),
    (None, "unknown"),
])
def test_each_hand_off_failure_detail_falls_into_a_kind_with_a_plain_label(detail, kind):
    assert handoff.failure_kind(detail) == kind and handoff.FAILURE_KINDS[kind]


def test_failed_hand_offs_are_counted_by_kind_with_labels_on_the_board_and_in_the_csv(app, people, history):
    hand_off_failed(people.worker, "refused: invalid_input {'field': 'category'}")
    hand_off_failed(people.son, "refused: settlement_rejected {'why': 'closed'}")
    board = dashboard.build(staff("auditor"), days=3)
    assert board.handoff_failures == [("data_invalid", "备案数据被拒 filing data refused", 1),
                                      ("other_refusal", "其他拒收原因 other refusal", 1)]
    lines = dashboard.daily_csv(board).splitlines()
    assert "settlement_handoff_failure,data_invalid,1,备案数据被拒 filing data refused" in lines
    assert "settlement_handoff_failure,other_refusal,1,其他拒收原因 other refusal" in lines
    assert not any("invalid_input" in line or "{" in line for line in lines)  # the raw detail stays on the filing
