"""A reviewer and the papers: a verdict per paper, asking for another, the case's way back, retention.

The worker (insured in Hefei, posted to Suzhou) sends his posting letter; the Hefei reviewer decides.
"""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.adapters import queue, storage
from backend.extensions import db
from backend.lib import clock
from backend.models import AreaPolicy, AuditEntry, Document, OutboxMessage, SettlementRegistration
from backend.services.filing import documents
from backend.worker import wechat_notifications
from backend.worker.dispatch import deliver_pending
from tests.lib.test_uploads import jpeg_with_gps
from tests.support.console import ConsoleActions, filing, pending_filing, text

REASON = "照片太暗，看不清单位公章"


@pytest.fixture()
def reviewer(app):
    console = ConsoleActions(app.test_client())
    console.login("reviewer-hefei")
    return console


def queued(reviewer) -> bool:
    return "/console/cases/" in text(reviewer.queue())


def test_asking_for_another_paper_sends_the_case_to_the_person_and_their_upload_brings_it_back_for_approval(
        app, as_person, case, reviewer, people):
    worker = as_person("op-worker")
    first = worker.upload(case, "posting_letter", jpeg_with_gps()).get_json()
    assert reviewer.mark_paper(case, first["id"], "unreadable", "太暗").status_code == 302
    asked = reviewer.ask_for_paper(case, "posting_letter", REASON)
    assert asked.status_code == 302 and not queued(reviewer)

    mine = worker.filing(case).get_json()
    assert mine["status"] == "info_requested"
    assert "不用重新办理" in mine["decision_text"] and "单位派出证明" in mine["decision_note"]
    assert REASON in mine["decision_note"]
    with app.app_context():
        note = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "notification.filing_decided"))
        words = wechat_notifications.notification_text("filing_decided", note.payload["params"])
    assert "单位派出证明" in words and REASON in words and note.payload["person_id"] == people.worker
    assert [p["reviewer_note"] for p in worker.papers(case).get_json()["documents"]] == ["太暗"]

    second = worker.upload(case, "posting_letter", jpeg_with_gps())
    assert second.status_code == 201 and queued(reviewer)
    statuses = {d["id"]: d["status"] for d in worker.papers(case).get_json()["documents"]}
    assert statuses == {first["id"]: "replaced", second.get_json()["id"]: "uploaded"}
    assert worker.filing(case).get_json()["status"] == "pending_review"

    reviewer.mark_paper(case, second.get_json()["id"], "accepted")
    assert reviewer.decide(case, "approve", "documents_verified").status_code == 302
    with app.app_context():
        decided = filing(case)
        assert decided.status == "approved" and "单位派出证明（可以用）" in decided.decision_note
        assert "看不清" not in decided.decision_note  # the replaced paper is not what the decision rests on
        deliver_pending()
        deliver_pending()
        assert filing(case).handoff_status == "delivered"
        assert db.session.scalar(select(func.count()).select_from(SettlementRegistration)
                                 .where(SettlementRegistration.reference == case)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.aggregate_id == case, OutboxMessage.topic == "filing.registered")) == 1
        trail = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == case)
                                   .order_by(AuditEntry.id)).all()
    assert trail.count("filing.review_ask_for_paper") == 1 and trail.count("filing.returned_to_review") == 1
    assert trail[-1] == "filing.review_approve"


def test_a_paper_request_needs_a_reason_and_a_material_of_this_filing(app, as_person, case, reviewer):
    assert reviewer.ask_for_paper(case, "posting_letter", "  ").status_code == 302  # the form refuses, case stays
    refused = reviewer.ask_for_paper(case, "referral_certificate", REASON)
    assert refused.status_code == 302 and "#papers" in refused.headers["Location"]
    with app.app_context():
        assert filing(case).status == "pending_review"


def test_a_person_uploading_to_a_case_nobody_asked_about_leaves_it_where_it_is(app, as_person, case, reviewer):
    assert reviewer.decide(case, "request_info", "documents_unclear").status_code == 302
    # documents_unclear ends this filing's review: a later upload does not reopen it.
    answer = as_person("op-worker").upload(case, "posting_letter", jpeg_with_gps())
    assert answer.status_code == 201
    with app.app_context():
        assert filing(case).status == "info_requested"


def test_papers_are_deleted_the_day_after_their_date_and_their_records_and_audit_rows_stay(
        app, as_person, case, reviewer):
    paper = as_person("op-worker").upload(case, "posting_letter", jpeg_with_gps()).get_json()
    reviewer.decide(case, "approve", "documents_verified")
    decided_on = clock.today()
    assert as_person("op-worker").papers(case).get_json()["documents"][0]["delete_after"] == \
        (decided_on + timedelta(days=30)).isoformat()
    with app.app_context():
        key = db.session.get(Document, paper["id"]).storage_key
        audits_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
        with clock.frozen(decided_on + timedelta(days=30)):
            assert documents.delete_expired() == 0  # the last day it is kept
        assert storage.store(app).exists(key)
        with clock.frozen(decided_on + timedelta(days=31)):
            assert documents.delete_expired() == 1
            assert documents.delete_expired() == 0
        row = db.session.get(Document, paper["id"])
        assert row.deleted_at is not None and row.sha256 and row.status == "uploaded"
        assert not storage.store(app).exists(key)
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits_before + 1
        last = db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1))
        assert last == "document.expired"
    gone = as_person("op-worker").paper(paper["id"])
    assert gone.status_code == 410 and gone.get_json()["error"] == "document_gone"
    assert "已按保存期限删除" in text(reviewer.case(case))


def test_an_area_keeps_papers_for_its_own_number_of_days_and_the_worker_loop_deletes_them(
        app, as_person, case, reviewer):
    with app.app_context():
        policy_id = filing(case).policy_id
        db.session.get(AreaPolicy, policy_id).document_retention_days = 7
        db.session.commit()
    paper = as_person("op-worker").upload(case, "posting_letter", jpeg_with_gps()).get_json()
    reviewer.decide(case, "reject", "documents_invalid")
    assert as_person("op-worker").papers(case).get_json()["documents"][0]["delete_after"] == \
        (date(2026, 11, 22) + timedelta(days=7)).isoformat()
    app.extensions.pop("documents_swept_at", None)
    with clock.frozen(datetime(2026, 11, 30, 3, 0, tzinfo=clock.CHINA)):
        queue.drain(app)
    with app.app_context():
        assert db.session.get(Document, paper["id"]).deleted_at is not None


def test_a_cancelled_filings_papers_are_dated_for_deletion_too(app, as_person, people, today):
    with app.app_context():  # a referral: no lock period keeps it from being cancelled at once
        case = pending_filing(people.worker, category="referral")
    worker = as_person("op-worker")
    assert worker.upload(case, "referral_certificate", jpeg_with_gps()).status_code == 201
    assert worker.cancel(case, "不去了").status_code == 200, worker.last
    assert worker.papers(case).get_json()["documents"][0]["delete_after"] == \
        (date(2026, 11, 22) + timedelta(days=30)).isoformat()


def test_a_store_that_cannot_be_reached_leaves_the_paper_for_the_next_pass(app, as_person, case, reviewer):
    from tests.support.processes import free_port  # a port nobody listens on

    paper = as_person("op-worker").upload(case, "posting_letter", jpeg_with_gps()).get_json()
    reviewer.decide(case, "approve", "documents_verified")
    disk = dict(app.config)
    with app.app_context(), clock.frozen(date(2026, 11, 22) + timedelta(days=31)):
        app.config.update(DOCUMENT_STORE="s3", S3_BUCKET="papers", S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
        app.extensions.pop("document_store", None)
        assert documents.delete_expired() == 0
        assert db.session.get(Document, paper["id"]).deleted_at is None
        app.config.update({k: disk[k] for k in ("DOCUMENT_STORE", "S3_BUCKET", "S3_ENDPOINT_URL")})
        app.extensions.pop("document_store", None)
        assert documents.delete_expired() == 1
