"""In real Chromium at a phone's size: the son files for his mother, in normal and in large text, with screenshots."""
import re

import pytest

from tests.browser.screens import answer


def _sign_in(tab, base: str, openid: str) -> None:
    tab.goto(f"{base}/m/dev-login")
    tab.click(f"button[data-openid={openid}]")
    tab.wait_for_url(re.compile(r"/m/$"))


@pytest.mark.parametrize("mode", ["normal", "large"])
def test_the_son_files_for_his_mother_on_the_pages(app, people, today, live_server, page, screenshot, mode):
    _sign_in(page, live_server, "op-son")
    if mode == "large":
        page.click("[data-testid=text-size]")
        assert page.get_attribute("html", "class") == "large"
    screenshot(page, f"son-{mode}-01-home")
    page.click("a.tile >> nth=0")
    page.click("text=开始办理" if mode == "normal" else "button[data-choice]")
    screenshot(page, f"son-{mode}-02-for-whom")
    labels = page.locator("button.choice").all_inner_texts()
    mother = next(i for i, label in enumerate(labels, start=1) if "母亲" in label)
    answer(page, mother)
    steps = ["深圳", 1, 1, "下周一", 1, 1, 1, 1]
    for number, step in enumerate(steps, start=3):
        if page.locator("form.turn").count() == 0:
            break
        if "请核对" in page.inner_text("main"):
            break
        screenshot(page, f"son-{mode}-{number:02d}-step")
        answer(page, step)
    assert "请核对" in page.inner_text("main")
    assert "深圳" in page.inner_text("main")
    if mode == "normal":  # large text's shorter summary leaves the category out
        assert "异地安置退休人员" in page.inner_text("main")
    screenshot(page, f"son-{mode}-09-confirm")
    answer(page, 1)
    outcome = page.inner_text("main")
    assert re.search(r"BA\d{8}-\d{6}", outcome) and any(w in outcome for w in ("成功", "通过", "审核"))
    screenshot(page, f"son-{mode}-10-outcome")
    page.click("text=查看我的备案")
    listing = page.inner_text("main")
    assert "母亲 王**" in listing and "儿子 张*" in listing
    screenshot(page, f"son-{mode}-11-my-filings")
