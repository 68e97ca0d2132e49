"""User-facing sentences for reason codes, zh_CN first and English second."""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # HTTP-level errors.
    "bad_request": ("请求内容有误，请检查后重试。", "The request is not valid; please check it and try again."),
    "not_found": ("没有找到您要的内容。", "What you asked for was not found."),
    "method_not_allowed": ("不支持这种操作方式。", "This method is not allowed here."),
    "payload_too_large": ("提交的内容太大了。", "The request is too large."),
    "too_many_requests": ("操作太频繁了，请稍后再试。", "Too many requests; please try again later."),
    "internal_error": (
        "系统开小差了，您填写的内容已保存，请稍后再试。",
        "Something went wrong on our side; what you entered is kept. Please try again later.",
    ),
    "service_unavailable": ("服务暂时不可用，请稍后再试。", "The service is temporarily unavailable; please retry."),
    "database_unreachable": ("数据库暂时无法连接。", "The database cannot be reached."),
    "database_not_migrated": ("数据库尚未初始化，请先运行升级。", "The database schema is not up to date."),
    "unauthorized": ("请先登录。", "Please sign in first."),
    "invalid_token": ("登录信息无效，请重新登录。", "Your sign-in is not valid; please sign in again."),
    "token_expired": ("登录已过期，请重新登录。", "Your sign-in has expired; please sign in again."),
    # Domain refusals (services/errors.py).
    "filing_not_found": ("没有找到这个备案，或者您无权查看。", "No such filing, or you may not see it."),
    "not_allowed": ("您没有为这位家人办理的授权。", "You are not authorised to act for this person."),
    "change_lock": (
        "按参保地规定，这个备案在{lock_until}之前不能变更或取消。",
        "Under the insured area's rules this filing cannot be changed or cancelled before {lock_until}.",
    ),
    "filing_not_active": ("这个备案已经不是有效状态，不能再变更或取消。", "This filing is no longer active."),
    "stale_turn": (
        "这一步已经处理过了（可能点了两次），请看最新的问题。",
        "This step was already handled (perhaps a double tap); please answer the latest question.",
    ),
    "identity_required": ("请先绑定本人医保身份。", "Please bind your insured identity first."),
    "unknown_area": ("没有找到这个地区。", "Unknown area."),
    "invalid_input": ("请求内容有误：{fields}", "The request is not valid: {fields}"),
    "invalid_search": ("查询条件有误（{field}）：{reason}", "Invalid search ({field}): {reason}"),
    "institution_not_found": ("没有找到这家机构。", "No such institution."),
    "unknown_disease": ("没听明白是哪种病（{word}）。可以说：{examples}。", "Unknown disease ({word}). Try: {examples}."),
    "choice_not_required": (
        "您的参保地不要求选定医院，备案地所有联网机构都可以直接结算。",
        "Your insured area does not require a choice: every networked institution of the filed area settles.",
    ),
    "invalid_choice": ("选择的机构不符合参保地规定：{reasons}", "The chosen institutions break the area's rule: {reasons}"),
}


def text(code: str, lang: str = "zh_CN", **params) -> str:
    """Return the sentence for a reason code in the given language, with its parameters filled in."""
    zh, en = MESSAGES.get(code, MESSAGES["bad_request"])
    template = en if lang.startswith("en") else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
