"""In real Chromium: the worker sends his posting letter through the file chooser, in normal and in large text,
and the Hefei reviewer sees it on the case."""
import pytest

from tests.browser.screens import sign_in
from tests.lib.test_uploads import jpeg_with_gps
from tests.support.console import ConsoleActions, create_staff, pending_filing, text


@pytest.mark.parametrize("mode", ["normal", "large"])
def test_the_worker_sends_a_photo_through_the_file_chooser_and_the_reviewer_sees_it(
        app, people, today, live_server, page, screenshot, mode):
    with app.app_context():
        create_staff("reviewer-hefei")
        case = pending_filing(people.worker)
    sign_in(page, live_server, "op-worker", large=mode == "large")
    page.goto(f"{live_server}/m/filings/{case}")
    screenshot(page, f"papers-{mode}-01-filing")
    photo = {"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": jpeg_with_gps((800, 600))}
    if mode == "large":
        assert page.locator("input[type=file]").count() == 0  # one question a screen: the chooser has its own
        page.click("[data-testid=upload-posting_letter]")
        chooser = page.locator("input#f-file")
    else:
        chooser = page.locator("input#file-posting_letter")
    assert chooser.get_attribute("capture") == "environment"
    assert chooser.get_attribute("accept") == "image/*,application/pdf"
    chooser.set_input_files(photo)
    screenshot(page, f"papers-{mode}-02-chosen")
    page.click("[data-testid=upload-posting_letter]")
    page.wait_for_load_state()
    assert "已收到“单位派出证明”" in page.inner_text("main")
    preview = page.locator("#paper-posting_letter img")
    assert preview.count() == 1
    preview.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    screenshot(page, f"papers-{mode}-03-sent")

    console = ConsoleActions(app.test_client())
    console.login("reviewer-hefei")
    html = text(console.case(case))
    assert "单位派出证明" in html and "/console/documents/" in html and "/thumb" in html
