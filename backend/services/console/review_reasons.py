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
    # Nobody can send papers through the assistant (there is no upload): the area's staff see the
    # originals at their window. A request for more also ends this filing's review (info_requested
    # leaves the queue for good), so each sentence says where to take the papers and to file again.
    "documents_unclear": (
        "request_info",
        "工作人员看不清您的证明材料，这次备案先停在这里。请带上材料原件到参保地医保窗口办理，"
        "或者准备好清楚的材料后重新备案。",
        "Staff could not read your papers, so this filing stops here. Please take the original papers "
        "to the insurance office where you are insured, or file again once you have clear papers."),
    "documents_incomplete": (
        "request_info",
        "您的证明材料还不齐（例如缺少一页），这次备案先停在这里。请把材料补齐后带到参保地医保窗口，"
        "或者补齐后重新备案。",
        "Your papers are not complete (for example a page is missing), so this filing stops here. "
        "Please take the complete papers to the insurance office where you are insured, or file again "
        "once you have them all."),
    "contact_needed": (
        "request_info",
        "工作人员需要和您核实情况，这次备案先停在这里。请留意来电，或到参保地医保窗口咨询；"
        "核实后按工作人员说的重新备案。",
        "A staff member needs to check something with you, so this filing stops here. Please expect a call, "
        "or ask at the insurance office where you are insured; then file again as they tell you."),
    # Asked through the case's papers (services/console/review_documents.py), never from the decision form:
    # the note names the paper and the reason, and the person's next upload returns the case.
    "papers_requested": (
        "request_info",
        "工作人员请您补传一份证明材料（看下面的留言）。请在小程序「我的备案」里上传，传好后会接着审核，不用重新办理。",
        "A staff member asks you for another paper (see the note below). Please upload it under My filings in the "
        "mini-program; the review then goes on, with no need to file again."),
}

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
