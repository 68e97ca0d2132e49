"""axe-core on every page, in normal and in large text: no serious or critical violation."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.support.pages import build_world, large_step_paths, page_paths


@pytest.fixture()
def world(app, people, as_person, today):
    return build_world(app, as_person)


@pytest.mark.parametrize("mode", ["normal", "large"])
def test_no_page_has_a_serious_or_critical_accessibility_violation(app, world, live_server, page, mode):
    axe = Axe()
    page.goto(f"{live_server}/m/dev-login")
    page.click("button[data-openid=op-retiree]")
    if mode == "large":
        page.click("[data-testid=text-size]")
    found, audited = {}, 0
    paths = page_paths(world["reference"], world["code"], world["institution"])
    # Large text asks one question a screen: the step screens it adds are audited too.
    steps = large_step_paths(world["reference"], world["institution"]) if mode == "large" else []
    for path in paths + steps:
        page.goto(f"{live_server}{path}")
        results = axe.run(page)
        audited += 1
        bad = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
        if bad:
            found[path] = bad
    assert audited == 21 + len(steps) and found == {}


def test_axe_reports_a_violation_when_there_is_one(app, live_server, page):
    # A page with an unlabeled input and grey-on-white text: the audit must catch both.
    page.goto(f"{live_server}/m/")
    page.evaluate("""() => { const i = document.createElement('input'); document.querySelector('main').append(i);
                            const p = document.createElement('p'); p.textContent = 'faint'; p.style.color = '#ccc';
                            document.querySelector('main').append(p); }""")
    ids = {v["id"] for v in Axe().run(page).response["violations"]}
    assert {"label", "color-contrast"} <= ids
