"""Large text, measured in Chromium on every page: font sizes, line heights, contrast, targets, choices."""
from pathlib import Path

import pytest

from tests.support.pages import build_world, page_paths

MEASURE = (Path(__file__).parent / "measure_large_text.js").read_text(encoding="utf-8")


@pytest.fixture()
def world(app, people, as_person, today):
    return build_world(app, as_person)


def test_every_page_in_large_text_meets_the_elder_numbers(app, world, live_server, page, screenshot):
    page.goto(f"{live_server}/m/dev-login")
    page.click("button[data-openid=op-retiree]")
    page.click("[data-testid=text-size]")
    assert page.get_attribute("html", "class") == "large"
    problems, measured = {}, 0
    for path in page_paths(world["reference"], world["code"], world["institution"]) + ["/m/file?step"]:
        if path == "/m/file?step":
            page.goto(f"{live_server}/m/file")
            page.click("button[data-choice]")  # a question of the filing flow, one per screen
        else:
            page.goto(f"{live_server}{path}")
        assert page.get_attribute("html", "class") == "large", path
        found = page.evaluate(MEASURE)
        measured += 1
        if found:
            problems[path] = found
            screenshot(page, "large-problem-" + path.strip("/").replace("/", "_").replace("?", "_")[:60])
    assert measured == 22
    assert problems == {}


def test_the_measure_fails_a_page_below_the_numbers(app, people, live_server, page):
    # The same script on the normal-text page must find problems, or it could not fail at all.
    page.goto(f"{live_server}/m/")
    found = page.evaluate(MEASURE)
    assert any(p.startswith("font ") for p in found) and any(p.startswith("target ") for p in found)
