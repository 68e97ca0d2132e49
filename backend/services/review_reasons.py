"""Reason templates for staff decisions: what the person is told, zh_CN first and English second."""
from __future__ import annotations

ACTIONS = ("approve", "reject", "request_info")
STATUS_OF_ACTION = {"approve": "approved", "reject": "rejected", "request_info": "info_requested"}

# code -> (action, zh_CN sentence shown to the person, English sentence). The person reads these
# in WeChat, so they say what happens next, in plain words (EXPERIENCE.md principles).
REASONS: dict[str, tuple[str, str, str]] = {
    "documents_verified": (
        "approve",
        "您提交的证明材料已审核通过，备案已生效，可以在就医地联网医院直接结算。",
        "Your papers have been checked and the filing is now in effect; "
        "networked hospitals where you seek care can settle directly."),
    "eligible_after_review": (
        "approve",
        "经工作人员审核，您符合备案条件，备案已生效。",
        "A staff member checked your filing: you qualify, and the filing is now in effect."),
    "documents_invalid": (
        "reject",
        "您提交的证明材料无法证明您属于所选的人员类别，备案未通过。您可以换一种材料或签署承诺书后重新备案。",
        "The papers you sent do not show that you belong to the chosen group, so the filing was not approved. "
        "You can file again with other papers or, where allowed, a signed promise."),
    "documents_mismatch": (
        "reject",
        "证明材料上的信息与您的身份信息不一致，备案未通过。请核对后重新备案。",
        "The details on your papers do not match your identity, so the filing was not approved. "
        "Please check them and file again."),
    "not_eligible": (
        "reject",
        "按参保地规定，您目前不符合这类备案的条件，备案未通过。如有疑问请联系参保地医保部门。",
        "Under the insured area's rules you do not qualify for this type of filing now, so it was not approved. "
        "Please ask the insurance office where you are insured if you have questions."),
    "documents_unclear": (
        "request_info",
        "您上传的材料看不清楚。请重新拍一张清晰、完整的照片上传，我们收到后会继续审核。",
        "The papers you uploaded cannot be read. Please upload a clear, complete photo again; "
        "we will continue the review when it arrives."),
    "documents_incomplete": (
        "request_info",
        "您的材料还不完整（例如缺少一页）。请补充后上传，我们收到后会继续审核。",
        "Your papers are not complete (for example a page is missing). Please add what is missing; "
        "we will continue the review when it arrives."),
    "contact_needed": (
        "request_info",
        "工作人员需要和您核实情况，请留意来电或到参保地医保窗口咨询。",
        "A staff member needs to check something with you; please expect a call, "
        "or ask at the insurance office where you are insured."),
}

# Templates where the reviewer must add their own words (the template alone would be too vague).
NOTE_REQUIRED = {"not_eligible", "contact_needed"}


def reasons_for(action: str) -> list[tuple[str, str, str]]:
    """Return (code, zh_CN, en) for the templates of one action, in display order."""
    return [(code, zh, en) for code, (act, zh, en) in REASONS.items() if act == action]


def sentence(code: str, lang: str = "zh_CN") -> str:
    """Return the person-facing sentence of a template in a language."""
    _, zh, en = REASONS[code]
    return en if str(lang).lower().startswith("en") else zh
