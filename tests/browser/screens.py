"""Every screen of the H5 pages, shown one after the other in Chromium for the audits (axe, the measure).

The fixed addresses come from tests/support/pages.py; the rest are screens a person only reaches by
acting: the "for whom" question (the son has a member), a chat mid-conversation, a filing's confirmation
and outcome, an invitation just made, the error page and the page asking an unbound visitor to bind.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from backend.lib import idnumber
from tests.support.pages import large_step_paths, page_paths

WORKER_ID = "34010219900115003" + idnumber.check_digit("34010219900115003")

# The screens every_screen reaches by acting rather than by address, after the addresses.
ACTED = {"/m/file (first question)", "error page (404)", "/m/family/invite (invitation made)", "/m/file (为谁办理)",
         "/m/chat (mid-conversation)", "/m/file (请核对)", "/m/file (outcome)", "need identity"}
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
        tab.click(f"button.choice[name=choice][value='{value}']")
    else:
        tab.fill("#f-text", value)
        tab.click("form.turn button.button")
    tab.wait_for_load_state()


def start_filing(tab, base: str) -> None:
    """Open /m/file and start a filing afresh (a finished conversation shows "start again" instead)."""
    tab.goto(f"{base}/m/file")
    if tab.locator("form[action$='/m/file/start']").count() == 0:
        # A conversation under way (the chat's, say) shows its question: stop it first.
        tab.click("form.nav-row button[value=取消]")
    tab.click("form[action$='/m/file/start'] button")
    tab.wait_for_load_state()


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
    yield from _invitation_made(tab, base, large)

    sign_in(tab, base, "op-son", large=large)
    start_filing(tab, base)
    assert "母亲" in tab.inner_text("main")
    yield "/m/file (为谁办理)"

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
    assert "备案成功" in tab.inner_text("main")
    yield "/m/file (outcome)"

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
            tab.click("main form button[type=submit]")
    else:
        tab.goto(f"{base}/m/family/invite")  # normal text sends this address to the family page's form
        tab.fill("#f-name", "李强")
        tab.fill("#f-id_number", WORKER_ID)
        tab.click("main form[action$='/m/family/invite'] button[type=submit]")
    assert tab.locator("[data-testid=invitation-code]").count() == 1, tab.inner_text("main")
    yield "/m/family/invite (invitation made)"
