"""The hand-off: approved, changed and cancelled filings reach the settlement service once, in order."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import Filing, OutboxMessage, SettlementFiling, SettlementRegistration
from backend.services.filing import handoff
from backend.worker import dispatch as delivery


def outbox(topic_prefix=""):
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic.startswith(topic_prefix))
                                   .order_by(OutboxMessage.id)))


def registrations():
    return [(r.reference, r.version, r.event) for r in
            db.session.scalars(select(SettlementRegistration).order_by(SettlementRegistration.id))]


def file_for_mother(as_person):
    son = as_person("op-son")
    body = son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")
    assert body["filing"]["status"] == "approved", body
    return son, body["filing"]["reference"]


def test_an_approved_filing_is_registered_once_and_the_person_sees_it(app, as_person, people, today):
    son, reference = file_for_mother(as_person)
    with app.app_context():
        assert db.session.scalar(select(Filing.handoff_status).where(Filing.reference == reference)) == "pending"
        assert delivery.deliver_pending() >= 1
        assert delivery.deliver_pending() == 0
        assert registrations() == [(reference, 1, "registered")]
        assert db.session.get(SettlementFiling, reference).status == "registered"
        notes = outbox("notification.")
        assert [n.topic for n in notes] == ["notification.handoff_delivered"]
        assert notes[0].payload["person_id"] == people.retiree
    shown = son.filing(reference).get_json()
    assert shown["handoff_status"] == "delivered"


def test_a_cancellation_follows_the_registration_in_order(app, as_person, people, today):
    son, reference = file_for_mother(as_person)
    with clock.frozen(clock.now() + timedelta(days=200)):
        assert son.cancel(reference, "回沈阳了").status_code == 200
        with app.app_context():
            delivery.deliver_pending()
            assert registrations() == [(reference, 1, "registered"), (reference, 2, "cancelled")]
            assert db.session.get(SettlementFiling, reference).status == "cancelled"
            assert db.session.scalar(select(Filing.handoff_status).where(Filing.reference == reference)) == "delivered"


def test_a_later_version_waits_while_the_earlier_one_is_undelivered(app, as_person, people, today):
    son, reference = file_for_mother(as_person)
    with clock.frozen(clock.now() + timedelta(days=200)):
        son.cancel(reference)
        with app.app_context():
            first, second = outbox("filing.")
            # The registration is held by a worker (its lease has not run out): the cancellation is not due.
            first.status, first.next_attempt_at = "sending", clock.now() + timedelta(minutes=5)
            db.session.commit()
            assert delivery.deliver_pending() == 0
            assert registrations() == []
            first.next_attempt_at = clock.now() - timedelta(seconds=1)
            db.session.commit()
            assert delivery.deliver_pending() >= 2
            assert [v for _, v, _ in registrations()] == [1, 2]


def test_a_redelivery_after_a_lost_acknowledgement_registers_nothing_twice(app, as_person, people, today):
    _son, reference = file_for_mother(as_person)
    with app.app_context():
        delivery.deliver_pending()
        message = outbox("filing.")[0]
        # As if the worker died after the service registered it but before it recorded that.
        message.status, message.next_attempt_at = "sending", clock.now() - timedelta(seconds=1)
        db.session.commit()
        assert delivery.deliver_pending() >= 1
        assert message.status == "delivered"
        assert registrations() == [(reference, 1, "registered")]


def test_an_unreachable_service_is_retried_with_backoff_and_shown_as_waiting(app, as_person, people, today):
    _son, reference = file_for_mother(as_person)
    with app.app_context():
        app.config["SETTLEMENT_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
        app.config["SETTLEMENT_TIMEOUT"] = 1
        app.extensions.pop("settlement_client", None)
        assert delivery.deliver_pending() == 0
        message = outbox("filing.")[0]
        assert message.status == "pending" and message.attempts == 1 and message.next_attempt_at > clock.now()
        assert "ConnectionError" in message.last_error
        filing = db.session.scalar(select(Filing).where(Filing.reference == reference))
        assert filing.handoff_status == "pending" and filing.handoff_detail.startswith("waiting")
        app.config["SETTLEMENT_URL"] = ""
        message.next_attempt_at = clock.now()
        db.session.commit()
        assert delivery.deliver_pending() >= 1
        assert registrations() == [(reference, 1, "registered")]


def test_a_refused_registration_is_failed_audited_and_told(app, as_person, people, today):
    _son, reference = file_for_mother(as_person)
    with app.app_context():
        message = outbox("filing.")[0]
        message.payload = {**message.payload, "category": "nonsense"}  # the service will refuse it (400)
        db.session.commit()
        from backend import create_settlement_app
        from tests.support.server import serving

        settlement = create_settlement_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                            "TESTING": True})
        with serving(settlement) as url:
            app.config["SETTLEMENT_URL"] = url
            app.extensions.pop("settlement_client", None)
            delivery.deliver_pending()
        app.config["SETTLEMENT_URL"] = ""
        message = outbox("filing.")[0]
        assert message.status == "failed"
        filing = db.session.scalar(select(Filing).where(Filing.reference == reference))
        assert filing.handoff_status == "failed"
        assert handoff.failure_kind(filing.handoff_detail) == "data_invalid"  # what the dashboard counts
        assert [n.topic for n in outbox("notification.")] == ["notification.handoff_failed"]
        assert registrations() == []


def test_the_in_process_worker_delivers_after_the_commit_without_being_asked(app, as_person, people, today):
    app.config.update(OUTBOX_WORKER="thread", OUTBOX_POLL_SECONDS=0.2)
    try:
        _son, reference = file_for_mother(as_person)
        with app.app_context():
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not registrations():
                time.sleep(0.1)
            assert registrations() == [(reference, 1, "registered")]
    finally:
        from backend.adapters import queue

        queue.thread_worker(app).stop()
        app.config["OUTBOX_WORKER"] = "off"


def test_it_delivers_what_a_crashed_process_left_once_the_app_is_served_again_without_any_new_commit(
        app, as_person, people, today, database_url):
    from backend import create_app
    from backend.adapters import queue

    _son, reference = file_for_mother(as_person)  # committed; then the process "crashed" (worker off)
    with app.app_context():
        assert [m.status for m in outbox("filing.")] == ["pending"]
    restarted = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "OUTBOX_WORKER": "thread",
                            "OUTBOX_POLL_SECONDS": 0.2})
    try:
        assert queue.running(restarted)
        with app.app_context():
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not registrations():
                time.sleep(0.1)
                db.session.remove()
            assert registrations() == [(reference, 1, "registered")]
    finally:
        queue.thread_worker(restarted).stop()
        with restarted.app_context():
            db.engine.dispose()


def test_it_starts_no_delivery_thread_for_a_one_off_flask_command(database_url):
    import click

    from backend import create_app
    from backend.adapters import queue

    with click.Context(click.Command("upgrade")):
        loaded = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "OUTBOX_WORKER": "thread"})
    assert not queue.running(loaded)


@pytest.mark.parametrize("version_order", [[1, 2], [2, 1]])
def test_the_service_keeps_the_newest_version_whatever_arrives_last(app, version_order):
    from backend.settlement import service

    with app.app_context():
        for version in version_order:
            service.register({"idempotency_key": f"k{version}", "event": "registered" if version == 1 else "cancelled",
                              "reference": "BA1", "version": version, "category": "referral",
                              "insured_area": "210100", "treatment_area": "440300", "start_date": "2026-12-01",
                              "end_date": None, "person_id_hash": "h"})
        assert db.session.get(SettlementFiling, "BA1").status == "cancelled"
        again = service.register({"idempotency_key": "k2", "event": "cancelled", "reference": "BA1", "version": 2,
                                  "category": "referral", "insured_area": "210100", "treatment_area": "440300",
                                  "start_date": "2026-12-01", "end_date": None, "person_id_hash": "h"})
        assert again["duplicate"] is True


def test_with_redis_a_commit_queues_an_rq_job_that_delivers_the_hand_off(app, as_person, people, today, redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    from backend.adapters import queue

    app.config.update(OUTBOX_WORKER="rq", REDIS_URL=redis_url)
    try:
        _son, reference = file_for_mother(as_person)
        connection = Redis.from_url(redis_url)
        jobs = Queue(queue.QUEUE_NAME, connection=connection)
        assert jobs.count >= 1  # woken by the commit, not by the test
        with app.app_context():
            assert registrations() == []
        queue._job_app = app  # the job runs with this app (a worker process makes its own)
        SimpleWorker([jobs], connection=connection).work(burst=True)
        with app.app_context():
            assert registrations() == [(reference, 1, "registered")]
    finally:
        app.config.update(OUTBOX_WORKER="off", REDIS_URL="")
        queue._job_app = None


def test_with_redis_down_the_filing_still_commits_and_waits_in_the_outbox(app, as_person, people, today):
    app.config.update(OUTBOX_WORKER="rq", REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    try:
        _son, reference = file_for_mother(as_person)
        with app.app_context():
            waiting = outbox("filing.")
            assert [m.status for m in waiting] == ["pending"]
            app.config["OUTBOX_WORKER"] = "off"
            delivery.deliver_pending()  # what the worker's poller does once it runs again
            assert registrations() == [(reference, 1, "registered")]
    finally:
        app.config.update(OUTBOX_WORKER="off", REDIS_URL="")
