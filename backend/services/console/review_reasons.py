"""Reason templates for staff decisions: what the person is told, zh_CN first and English second."""
from __future__ import annotations

from dialogs.prompts.catalogue import pairs

ACTIONS = ("approve", "reject", "request_info")
STATUS_OF_ACTION = {"approve": "approved", "reject": "rejected", "request_info": "info_requested"}

# code -> the decision it goes with; what the person is told (they read it in WeChat, so it says what happens
# next, in plain words: EXPERIENCE.md) is in dialogs/prompts/<lang>/words.yaml under review.reasons.
ACTION_OF: dict[str, str] = {
    "documents_verified": "approve",
    "eligible_after_review": "approve",
    "documents_invalid": "reject",
    "documents_mismatch": "reject",
    "not_eligible": "reject",
    "documents_unclear": "request_info",
    "documents_incomplete": "request_info",
    "contact_needed": "request_info",
    "papers_requested": "request_info",
}
_SENTENCES = pairs("review.reasons")
REASONS: dict[str, tuple[str, str, str]] = {code: (action, *_SENTENCES[code]) for code, action in ACTION_OF.items()}

# Reasons given by their own console action, not offered in the decision form.
OWN_ACTION = {"papers_requested"}

# Templates where the reviewer must add their own words (the template alone would be too vague).
NOTE_REQUIRED = {"not_eligible", "contact_needed"}


# The same reasons in at most 20 characters: a subscribe message's "thing" field holds no more
# (WeChat refuses a longer value), so the full sentence waits in "我的备案" behind the message.
SHORT: dict[str, str] = {
    "documents_verified": "材料已核实，备案已生效",
    "eligible_after_review": "经审核符合条件，已生效",
    "documents_invalid": "材料不能证明所选类别",
    "documents_mismatch": "材料信息与身份不一致",
    "not_eligible": "暂不符合备案条件",
    "documents_unclear": "材料看不清，请到窗口办理",
    "documents_incomplete": "材料不齐，请补齐后办理",
    "contact_needed": "需要和您核实情况",
    "papers_requested": "请补传一份证明材料",
}


def reasons_for(action: str) -> list[tuple[str, str, str]]:
    """Return (code, zh_CN, en) for the templates of one action, in display order."""
    return [(code, zh, en) for code, (act, zh, en) in REASONS.items() if act == action and code not in OWN_ACTION]


def sentence(code: str, lang: str = "zh_CN") -> str:
    """Return the person-facing sentence of a template in a language."""
    _, zh, en = REASONS[code]
    return en if str(lang).lower().startswith("en") else zh


def staff_reason(code: str | None, lang: str = "zh_CN") -> str | None:
    """Return the person-facing sentence of a staff reason code, or None for any other code."""
    return sentence(code, lang) if code in REASONS else None
