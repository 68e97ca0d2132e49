"""The verdict names the hospital, the day and what the person pays herself, in large text too.

From a persona trial: "那港大医院呢" in large text got only "能直接结算。医保约付8550.00元。" (which hospital?
which day? and how much do I pay?), and a "不能" answer quoted what the fund would pay as if it would.
"""
import pytest

from dialogs.prompts import LARGE_MAX_CHARS, render_prompt

ESTIMATE = {"total": "10000", "fund_pays": "8550.00", "person_pays": "1450.00", "ratio": "90%", "deductible": "500.00"}


def _verdict(ready: bool, lang: str, large: bool) -> str:
    return render_prompt("settlement.verdict", {
        "ready": ready, "institution": "香港大学深圳医院", "visit": "inpatient", "date": "2026-12-16", "today": False,
        "other_year": False, "past": False, "reasons": [] if ready else [{"reason": "您在12月16日没有有效的备案。"}],
        "alternatives": [], "estimate": ESTIMATE}, lang, large)


@pytest.mark.parametrize("large", [False, True])
def test_a_yes_names_the_hospital_the_day_and_the_persons_own_share(large):
    text = _verdict(True, "zh_CN", large)
    assert text.startswith("能") and "香港大学深圳医院" in text and "12月16日" in text and "1450.00" in text
    assert "自己" in text
    assert not large or len(text) <= LARGE_MAX_CHARS


@pytest.mark.parametrize("large", [False, True])
def test_a_no_quotes_the_estimate_only_for_when_it_can_settle(large):
    text = _verdict(False, "zh_CN", large)
    assert "不能" in text.splitlines()[0] and "香港大学深圳医院" in text
    assert "能结算时" in text and text.index("能结算时") < text.index("8550.00")


@pytest.mark.parametrize("ready", [True, False])
def test_the_english_large_verdict_names_the_hospital_and_day(ready):
    text = _verdict(ready, "en", True)
    assert "香港大学深圳医院" in text and "16 Dec" in text and "1450.00" in text and len(text) <= LARGE_MAX_CHARS
