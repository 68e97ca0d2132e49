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
}


def text(code: str, lang: str = "zh_CN") -> str:
    """Return the sentence for a reason code in the given language."""
    zh, en = MESSAGES.get(code, (code, code))
    return en if lang.startswith("en") else zh
