"""axe-core on every screen, in normal and in large text: no serious or critical violation."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.screens import ACTED, every_screen
from tests.support.pages import build_world, large_step_paths, page_paths


@pytest.fixture()
def world(app, people, as_person, today):
    return build_world(app, as_person)


@pytest.mark.parametrize("mode", ["normal", "large"])
def test_no_screen_has_a_serious_or_critical_accessibility_violation(app, world, live_server, page, mode):
    axe = Axe()
    found, audited = {}, []
    # Large text asks one question a screen: the step screens it adds are audited too (every_screen).
    for name in every_screen(page, live_server, world, large=mode == "large"):
        page.wait_for_load_state("load")  # a screen reached by a button may still be loading its stylesheet
        results = axe.run(page)
        audited.append(name)
        bad = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = bad
    paths = page_paths(world["reference"], world["code"], world["institution"])
    if mode == "large":
        paths += large_step_paths(world["reference"], world["institution"])
    assert audited[:len(paths)] == paths and set(audited[len(paths):]) == ACTED and found == {}


def test_axe_reports_a_violation_when_there_is_one(app, live_server, page):
    # A page with an unlabeled input and grey-on-white text: the audit must catch both.
    page.goto(f"{live_server}/m/")
    page.evaluate("""() => { const i = document.createElement('input'); document.querySelector('main').append(i);
                            const p = document.createElement('p'); p.textContent = 'faint'; p.style.color = '#ccc';
                            document.querySelector('main').append(p); }""")
    ids = {v["id"] for v in Axe().run(page).response["violations"]}
    assert {"label", "color-contrast"} <= ids
