"""In Chromium at a phone's size: after 算一算 the estimate is on screen, not below the form (issue 17)."""
import pytest

from tests.browser.screens import sign_in


def _in_view(tab, selector: str) -> dict:
    box = tab.locator(selector).bounding_box()
    viewport = tab.viewport_size
    return {"box": box, "inside": box is not None and box["y"] >= 0 and box["x"] >= 0
            and box["y"] + box["height"] <= viewport["height"] and box["x"] + box["width"] <= viewport["width"]}


@pytest.mark.parametrize("mode", ["normal", "large"])
def test_the_estimate_is_in_view_after_pressing_calculate(app, people, today, live_server, page, screenshot, mode):
    sign_in(page, live_server, "op-retiree", large=mode == "large")
    page.goto(f"{live_server}/m/estimate")
    # The amount as a person writes it; large text asks total, city and kind of visit one per screen.
    answers = {"#f-total": "5万", "#f-city": "深圳"}
    for _ in range(4):
        for field, value in answers.items():
            if page.locator(field).count():
                page.fill(field, value)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        if page.locator("#result").count():
            break
    screenshot(page, f"estimate-{mode}-result")
    assert page.locator("#result").count() == 1, page.inner_text("main")
    assert "医保大约付" in page.inner_text("#result")
    seen = _in_view(page, "#result")
    assert seen["inside"], seen
