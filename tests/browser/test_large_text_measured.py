"""Large text, measured in Chromium on every page state: font sizes, line heights, contrast, targets, choices,
one question per screen."""
from pathlib import Path

import pytest

from tests.support.pages import build_world, large_step_paths, page_paths

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
    paths = (page_paths(world["reference"], world["code"], world["institution"]) + ["/m/file?step"]
             + large_step_paths(world["reference"], world["institution"]))
    for path in paths:
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
    assert measured == 22 + 15
    assert problems == {}


def test_the_measure_fails_a_page_below_the_numbers(app, people, live_server, page):
    # The same script on the normal-text page must find problems, or it could not fail at all.
    page.goto(f"{live_server}/m/")
    found = page.evaluate(MEASURE)
    assert any(p.startswith("font ") for p in found) and any(p.startswith("target ") for p in found)


def test_the_measure_fails_a_screen_with_more_than_one_question(app, people, live_server, page):
    # Normal text keeps the combined forms: the family and settings pages ask several questions at once.
    page.goto(f"{live_server}/m/dev-login")
    page.click("button[data-openid=op-retiree]")
    for path in ("/m/family", "/m/settings"):
        page.goto(f"{live_server}{path}")
        assert any(p.startswith("questions ") for p in page.evaluate(MEASURE)), path
    # And a large-text screen with one question added breaks the rule; the header switch alone does not.
    page.click("[data-testid=text-size]")
    page.goto(f"{live_server}/m/settings")
    assert not any(p.startswith("questions ") for p in page.evaluate(MEASURE))
    page.evaluate("""() => { const i = document.createElement('input'); i.name = 'extra';
                            document.querySelector('main form').append(i); }""")
    assert "questions 2 > 1: language, extra" in page.evaluate(MEASURE)
