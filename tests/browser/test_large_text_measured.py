"""Text size, measured in Chromium on every screen: in large text the elder numbers (font sizes, line heights,
contrast, 60 px targets, choices, one question per screen); in normal text 44 px targets and contrast."""
from pathlib import Path

import pytest

from tests.browser.screens import ACTED, every_screen
from tests.support.pages import build_world, large_step_paths, page_paths

MEASURE = (Path(__file__).parent / "measure_large_text.js").read_text(encoding="utf-8")


@pytest.fixture()
def world(app, people, as_person, today):
    return build_world(app, as_person)


def _measure_every_screen(page, live_server, world, screenshot, mode: str) -> tuple[dict, list[str]]:
    problems, measured = {}, []
    for name in every_screen(page, live_server, world, large=mode == "large"):
        # A screen reached by a form's button may still be loading its stylesheet: measure what a person sees.
        page.wait_for_load_state("load")
        assert page.get_attribute("html", "class") == mode, name
        found = page.evaluate(MEASURE, {"mode": mode})
        measured.append(name)
        if found:
            problems[name] = found
            screenshot(page, f"{mode}-problem-" + name.strip("/").replace("/", "_").replace("?", "_")[:60])
    return problems, measured


def test_every_screen_in_large_text_meets_the_elder_numbers(app, world, live_server, page, screenshot):
    problems, measured = _measure_every_screen(page, live_server, world, screenshot, "large")
    paths = page_paths(world["reference"], world["code"], world["institution"]) + \
        large_step_paths(world["reference"], world["institution"])
    assert measured[:len(paths)] == paths and set(measured[len(paths):]) == ACTED
    assert problems == {}


def test_every_screen_in_normal_text_has_44_pixel_targets_and_enough_contrast(app, world, live_server, page,
                                                                              screenshot):
    problems, measured = _measure_every_screen(page, live_server, world, screenshot, "normal")
    paths = page_paths(world["reference"], world["code"], world["institution"])
    assert measured[:len(paths)] == paths and set(measured[len(paths):]) == ACTED
    assert problems == {}


def test_the_measure_fails_a_page_below_the_numbers(app, people, live_server, page):
    # The same script on the normal-text page must find problems, or it could not fail at all.
    page.goto(f"{live_server}/m/")
    found = page.evaluate(MEASURE)
    assert any(p.startswith("font ") for p in found) and any(p.startswith("target ") for p in found)


def test_the_normal_text_measure_fails_a_link_below_44_pixels(app, people, live_server, page):
    page.goto(f"{live_server}/m/")
    assert page.evaluate(MEASURE, {"mode": "normal"}) == []
    page.evaluate("""() => { const a = document.createElement('a'); a.href = '#'; a.textContent = 'small';
                            a.style.cssText = 'display:inline-block;min-height:0;height:43px;width:120px';
                            document.querySelector('main').append(a); }""")
    assert [p for p in page.evaluate(MEASURE, {"mode": "normal"}) if p.startswith("target ")] == [
        "target 120x43 < 44x44: a 'small'"]


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
