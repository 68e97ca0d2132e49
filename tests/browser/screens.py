"""Every screen of the H5 pages, shown one after the other in Chromium for the audits (axe, the measure).

The fixed addresses come from tests/support/pages.py; the rest are screens a person only reaches by
acting: the son's first question (for whom, or his mother's filing in the way), a chat mid-conversation, a
filing's confirmation and outcome, a change asked but not confirmed, an invitation just made, the error page
the page asking an unbound visitor to bind, and a filing waiting for papers with the screen that sends one.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from backend.lib import idnumber
from tests.support.pages import large_step_paths, page_paths

WORKER_ID = "34010219900115003" + idnumber.check_digit("34010219900115003")

# The screens every_screen reaches by acting rather than by address, after the addresses.
ACTED = {"/m/file (first question)", "error page (404)", "/m/family/invite (invitation made)", "/m/file (the son's first question)",
         "/m/chat (mid-conversation)", "/m/file (请核对)", "/m/file (outcome)", "need identity",
         "/m/filings/<reference>/change (请核对变更)", "/m/filings/<reference> (papers)",
         "/m/filings/<reference>/papers/<material>"}
# The worker's answers on /m/file, tried in turn until the confirmation ("请核对") shows.
WORKER_ANSWERS = ("公司派我去苏州工作一年", "12月1日", 1, 1, 1, 1)


def sign_in(tab, base: str, openid: str, *, large: bool) -> None:
    """Sign in through the development page (a new openid is an unbound visitor) and set the text size."""
    tab.goto(f"{base}/m/dev-login")
    if tab.locator(f"button[data-openid={openid}]").count():
        tab.click(f"button[data-openid={openid}]")
    else:
        tab.fill("input#f-openid", openid)
        tab.click("form:has(input#f-openid) button[type=submit]")
    tab.wait_for_url(re.compile(r"/m/$"))
    # The text size is stored on the person, so each persona is switched on its own.
    if (tab.get_attribute("html", "class") == "large") != large:
        tab.click("[data-testid=text-size]")
    assert tab.get_attribute("html", "class") == ("large" if large else "normal")


def answer(tab, value) -> None:
    """Answer an assistant step: an int presses a numbered choice, a str is typed and sent."""
    if isinstance(value, int):
        submit(tab, f"button.choice[name=choice][value='{value}']")
    else:
        tab.fill("#f-text", value)
        submit(tab, "form.turn button.button")


def submit(tab, selector: str) -> None:
    """Press a button that sends a form and wait for the next screen (a click alone does not wait)."""
    with tab.expect_navigation():
        tab.click(selector)
    tab.wait_for_load_state()


def start_filing(tab, base: str) -> None:
    """Open /m/file and start a filing afresh (a finished conversation shows "start again" instead)."""
    tab.goto(f"{base}/m/file")
    if tab.locator("form[action$='/m/file/start']").count() == 0:
        # A conversation under way (the chat's, say) shows its question: stop it first.
        submit(tab, "form.nav-row button[value=取消]")
    submit(tab, "form[action$='/m/file/start'] button")


def every_screen(tab, base: str, world: dict, *, large: bool) -> Iterator[str]:
    """Show each screen in turn in the given text size; yield its name once it is on the page."""
    sign_in(tab, base, "op-retiree", large=large)
    paths = page_paths(world["reference"], world["code"], world["institution"])
    if large:
        paths += large_step_paths(world["reference"], world["institution"])
    for path in paths:
        tab.goto(f"{base}{path}")
        yield path
    start_filing(tab, base)
    yield "/m/file (first question)"
    tab.goto(f"{base}/m/filings/BA20000101-000000")
    assert "没有找到这个备案" in tab.inner_text("main")
    yield "error page (404)"
    yield from _change_asked(tab, base, world["reference"], large)
    yield from _invitation_made(tab, base, large)

    sign_in(tab, base, "op-son", large=large)
    start_filing(tab, base)
    # For whom, or (the assistant remembering his mother's filing) her long-term filing that stands in the way.
    assert "母亲" in tab.inner_text("main") or "长期备案" in tab.inner_text("main"), tab.inner_text("main")
    yield "/m/file (the son's first question)"

    sign_in(tab, base, "op-worker", large=large)
    tab.goto(f"{base}/m/chat")
    answer(tab, "公司派我去苏州工作一年")
    assert "从哪天开始" in tab.inner_text("main")
    yield "/m/chat (mid-conversation)"
    start_filing(tab, base)
    for value in WORKER_ANSWERS:
        if "请核对" in tab.inner_text("main"):
            break
        answer(tab, value)
    assert "请核对" in tab.inner_text("main")
    yield "/m/file (请核对)"
    answer(tab, 1)
    assert re.search(r"BA\d{8}-\d{6}", tab.inner_text("main")), tab.inner_text("main")  # the filing's number
    yield "/m/file (outcome)"

    yield from _papers(tab, base, world, large)

    sign_in(tab, base, "op-unbound-visitor", large=large)
    tab.goto(f"{base}/m/filings")
    assert "绑定" in tab.inner_text("main")
    yield "need identity"


def _invitation_made(tab, base: str, large: bool) -> Iterator[str]:
    """The retiree invites the worker: one form in normal text, one question a screen in large."""
    if large:
        tab.goto(f"{base}/m/family/invite")
        for fill in ("#f-name", "#f-id_number", "label.option", "label.option"):
            if fill.startswith("#"):
                tab.fill(fill, "李强" if fill == "#f-name" else WORKER_ID)
            else:
                tab.click(f"{fill} >> nth=0")
            submit(tab, "main form button[type=submit]")
    else:
        tab.goto(f"{base}/m/family/invite")  # normal text sends this address to the family page's form
        tab.fill("#f-name", "李强")
        tab.fill("#f-id_number", WORKER_ID)
        submit(tab, "main form[action$='/m/family/invite'] button[type=submit]")
    # The click navigates: wait for the new screen rather than read the old one before it is replaced.
    tab.locator("[data-testid=invitation-code]").wait_for(timeout=15000)
    assert tab.locator("[data-testid=invitation-code]").count() == 1, tab.inner_text("main")
    yield "/m/family/invite (invitation made)"


def _change_asked(tab, base: str, reference: str, large: bool) -> Iterator[str]:
    """The retiree asks to move her filing to 广州: the screen saying what will change, left unconfirmed."""
    tab.goto(f"{base}/m/filings/{reference}/change")
    tab.fill("#f-treatment", "广州")
    submit(tab, "main form button[type=submit]")
    if large:
        submit(tab, "main form button[type=submit]")  # the start date screen, left as it is
    assert "确认变更" in tab.inner_text("main"), tab.inner_text("main")
    yield "/m/filings/<reference>/change (请核对变更)"


def _papers(tab, base: str, world: dict, large: bool) -> Iterator[str]:
    """刘芳's filing waiting for papers (one photo sent), and the screen that sends one paper."""
    sign_in(tab, base, "op-revoked", large=large)
    tab.goto(f"{base}/m/filings/{world['papers_reference']}")
    assert "证明材料" in tab.inner_text("main") and tab.locator("#papers img").count() == 1
    yield "/m/filings/<reference> (papers)"
    tab.goto(f"{base}/m/filings/{world['papers_reference']}/papers/{world['material']}")
    assert tab.locator("input[type=file]").count() == 1
    yield "/m/filings/<reference>/papers/<material>"
