"""What a reviewer decides reaches the person in their own words: "我的备案" page, API and WeChat text."""
import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import OutboxMessage, Person
from backend.worker import wechat_notifications
from backend.services.console.review_reasons import sentence
from tests.support.console import ConsoleActions, create_staff, pending_filing, text
from tests.support.pages import PageActions

NOTE = "户口簿上的姓名与身份证不一致"


@pytest.fixture()
def cases(app, people, today):
    """The retiree's Shenyang case (filed by her son) and the worker's Hefei case, both waiting."""
    with app.app_context():
        create_staff("reviewer-shenyang", "reviewer-hefei")
        return {"shenyang": pending_filing(people.retiree, treatment="440300", category="retiree_resettled",
                                           by=people.son),
                "hefei": pending_filing(people.worker)}


def decide(app, username: str, reference: str, action: str, reason: str, note: str = "") -> None:
    console = ConsoleActions(app.test_client())
    console.login(username)
    assert console.decide(reference, action, reason, note=note).status_code == 302


def filing_page(app, openid: str, reference: str) -> str:
    person = PageActions(app.test_client())
    person.sign_in(openid)
    page = person.open(f"/m/filings/{reference}")
    assert page.status_code == 200
    return text(page)


def sent_text(app, person_id: int, reference: str, lang: str = "zh_CN") -> str:
    """Return the customer-service wording of the decision notification queued for a person."""
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.topic == "notification.filing_decided", OutboxMessage.aggregate_id == str(person_id)))
        assert message.payload["params"]["reference"] == reference
        return wechat_notifications.notification_text("filing_decided", message.payload["params"], lang)


def test_after_a_rejection_the_retiree_reads_the_reason_and_the_note_on_her_filing_page(app, cases):
    assert "需要工作人员核对" in filing_page(app, "op-retiree", cases["shenyang"])  # waiting: the automatic check
    decide(app, "reviewer-shenyang", cases["shenyang"], "reject", "documents_mismatch", note=NOTE)
    page = filing_page(app, "op-retiree", cases["shenyang"])
    assert "审核意见：" in page and sentence("documents_mismatch") in page
    assert "工作人员留言：" in page and NOTE in page
    assert "重新办理备案" in page and 'href="/m/file"' in page
    assert "需要工作人员核对" not in page  # decided: the reviewer's words replace the automatic check


def test_after_a_rejection_the_api_gives_the_reason_as_a_sentence_and_the_note(app, cases, as_person):
    decide(app, "reviewer-shenyang", cases["shenyang"], "reject", "documents_mismatch", note=NOTE)
    for openid in ("op-retiree", "op-son"):  # her, and her son who filed it
        body = as_person(openid).filing(cases["shenyang"]).get_json()
        assert body["status"] == "rejected" and body["reason"] == "documents_mismatch"
        assert body["decision_text"] == sentence("documents_mismatch") and body["decision_note"] == NOTE


def test_after_a_rejection_the_wechat_text_says_why_and_carries_the_note(app, cases, people):
    decide(app, "reviewer-shenyang", cases["shenyang"], "reject", "documents_mismatch", note=NOTE)
    for person_id in (people.retiree, people.son):
        words = sent_text(app, person_id, cases["shenyang"])
        assert cases["shenyang"] in words and "没有通过" in words
        assert sentence("documents_mismatch") in words and f"工作人员留言：{NOTE}" in words


def test_after_a_request_for_more_the_worker_is_told_what_is_needed_and_what_to_do_next(app, cases, as_person,
                                                                                       people):
    decide(app, "reviewer-hefei", cases["hefei"], "request_info", "documents_incomplete", note="缺少派驻证明第二页")
    wanted = sentence("documents_incomplete")
    assert "参保地医保窗口" in wanted and "重新备案" in wanted and "上传" not in wanted
    page = filing_page(app, "op-worker", cases["hefei"])
    assert "需要补充" in page and wanted in page and "缺少派驻证明第二页" in page and "重新办理备案" in page
    assert "最早可变更" not in page  # a filing that stopped has no lock to wait for
    body = as_person("op-worker").filing(cases["hefei"]).get_json()
    assert (body["status"], body["decision_text"], body["decision_note"]) == ("info_requested", wanted, "缺少派驻证明第二页")
    words = sent_text(app, people.worker, cases["hefei"])
    assert "需要您补充情况" in words and wanted in words and "缺少派驻证明第二页" in words


def test_a_person_who_reads_english_gets_the_reason_in_english(app, cases, as_person, people):
    with app.app_context():
        db.session.get(Person, people.worker).language = "en"
        db.session.commit()
    decide(app, "reviewer-hefei", cases["hefei"], "request_info", "documents_unclear")
    body = as_person("op-worker").filing(cases["hefei"]).get_json()
    assert body["decision_text"] == sentence("documents_unclear", "en") and body["decision_note"] is None
    page = filing_page(app, "op-worker", cases["hefei"])
    assert "The reviewer says:" in page and sentence("documents_unclear", "en") in page
    assert sentence("documents_unclear", "en") in sent_text(app, people.worker, cases["hefei"], "en")


def test_an_automatic_decision_has_no_reviewer_words(app, people, as_person, today):
    with app.app_context():
        reference = pending_filing(people.worker, materials="commitment_letter")
    body = as_person("op-worker").filing(reference).get_json()
    assert body["decision_mode"] == "auto" and body["decision_text"] is None and body["decision_note"] is None
