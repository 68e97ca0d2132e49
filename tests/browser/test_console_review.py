"""A reviewer decides three cases in a real browser (headless Chromium), with screenshots of queue and dashboard."""
from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditEntry, Filing
from tests.support.console import PASSWORD, create_staff, pending_filing


def test_a_shenyang_reviewer_decides_three_cases_in_the_browser(app, people, today, chromium, live_server, screenshot):
    with app.app_context():
        create_staff("reviewer-shenyang")
        references = [
            pending_filing(people.son),
            pending_filing(people.retiree, treatment="440300", category="retiree_resettled", by=people.son),
            pending_filing(people.revoked, treatment="310000", category="long_term_resident"),
        ]
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        tab.goto(f"{live_server}/console/")
        tab.fill("#username", "reviewer-shenyang")
        tab.fill("#password", PASSWORD)
        tab.click("button[type=submit].primary")
        tab.wait_for_selector("table.queue")
        assert tab.inner_text("#pending-total") == "3"
        screenshot(tab, "console-queue")

        decisions = [("approve", "documents_verified", ""), ("reject", "documents_mismatch", "姓名不一致"),
                     ("request_info", "documents_unclear", "")]
        for reference, (action, reason, note) in zip(references, decisions):
            tab.click(f"a[href='/console/cases/{reference}']")
            tab.wait_for_selector("form.decision")
            tab.select_option("#action", action)
            tab.select_option("#reason", reason)
            if note:
                tab.fill("#note", note)
            tab.click("form.decision button[type=submit]")
            tab.wait_for_selector(".flash.ok")
            assert reference in tab.inner_text(".flash.ok")
        assert tab.inner_text("#pending-total") == "0"

        tab.click("nav a[href='/console/dashboard']")
        tab.wait_for_selector("figure.chart svg")
        assert tab.inner_text("#tile-filed") == "3"
        screenshot(tab, "console-dashboard")
    finally:
        context.close()
    assert errors == []  # the CSP blocked nothing the pages need
    with app.app_context():
        statuses = dict(db.session.execute(select(Filing.reference, Filing.status)).all())
        assert [statuses[r] for r in references] == ["approved", "rejected", "info_requested"]
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action.like("filing.review_%"))) == 3
