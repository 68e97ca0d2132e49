"""The dashboard page draws its charts as server-side SVG and offers the same figures as CSV."""
from sqlalchemy import update

from backend.extensions import db
from backend.models import Filing
from tests.support.console import ConsoleActions, create_staff, pending_filing, text


def test_the_dashboard_shows_svg_charts_and_downloads_csv(app, client, people, today):
    with app.app_context():
        create_staff("reviewer-hefei")
        pending_filing(people.worker)
        pending_filing(people.neighbour, treatment="110000", category="retiree_resettled")  # Langfang: not Hefei's
    console = ConsoleActions(client)
    console.login("reviewer-hefei")
    page = console.client.get("/console/dashboard?days=7")
    body = text(page)
    assert page.status_code == 200 and body.count("<svg") >= 2 and "<script" not in body
    assert '<strong id="tile-filed">1</strong>' in body and "合肥市" in body and "廊坊" not in body
    download = console.client.get("/console/dashboard.csv?days=7")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    assert "2026-11-22,all,1,0,0,1" in text(download)


def test_another_area_or_a_silly_number_of_days_never_gives_a_server_error(app, client, people, today):
    with app.app_context():
        create_staff("reviewer-hefei")
    console = ConsoleActions(client)
    console.login("reviewer-hefei")
    assert console.client.get("/console/dashboard?area=210100").status_code == 403
    assert console.client.get("/console/dashboard?days=abc").status_code == 200
    assert console.client.get("/console/dashboard?days=99999").status_code == 200


def test_a_failed_settlement_hand_off_shows_on_the_page_and_in_the_csv_by_its_plain_kind(app, client, people, today):
    with app.app_context():
        create_staff("reviewer-hefei")
        reference = pending_filing(people.worker, materials="commitment_letter")  # approved at once
        db.session.execute(update(Filing).where(Filing.reference == reference).values(
            handoff_status="failed", handoff_detail="refused: unauthorized {}"))
        db.session.commit()
    console = ConsoleActions(client)
    console.login("reviewer-hefei")
    page = text(console.client.get("/console/dashboard?days=7"))
    failures = page[page.index("结算交接失败原因"):]
    assert "访问令牌被拒 access token refused" in failures and "unauthorized" not in page
    download = text(console.client.get("/console/dashboard.csv?days=7"))
    assert "settlement_handoff_failure,access_refused,1,访问令牌被拒 access token refused" in download.splitlines()
