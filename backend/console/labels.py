"""Words for the codes stored in the database, so reviewers read labels and never internal codes.

One filter, `label(code, kind)`, serves every console template. Vocabularies the person also reads
keep their existing homes (the prompt names for categories, materials and relations; the check
labels; the short review reasons; the acts of the activity page); the ones only the console shows
are listed here, zh_CN first and English second.
"""
from __future__ import annotations

from dialogs.prompts import has_prompt, render_prompt

SCHEMES = {"employee": ("职工医保", "employee insurance"), "resident": ("居民医保", "residents' insurance")}
EMPLOYMENT = {"working": ("在职", "in work"), "retired": ("退休", "retired")}
# The area rules' reimbursement table: who a rule is for, at which hospitals, for which care.
PERSON_STATUSES = {**EMPLOYMENT, "any": ("不限", "anyone")}
RULE_LEVELS = {"3": ("三级医院", "level-3 hospitals"), "2": ("二级医院", "level-2 hospitals"),
               "1": ("一级医院", "level-1 hospitals"), "any": ("不限等级", "any level")}
VISITS = {"inpatient": ("住院", "inpatient"), "outpatient": ("普通门诊", "outpatient"),
          "chronic": ("门诊慢特病", "chronic-disease outpatient")}
INSURANCE = {"normal": ("参保正常", "insured"), "suspended": ("参保暂停", "insurance suspended"),
             "terminated": ("参保终止", "insurance ended")}
CONTRIBUTIONS = {"paid": ("缴费正常", "contributions paid"), "interrupted": ("断缴", "contributions interrupted")}
DECISION_MODES = {"auto": ("系统自动决定", "decided automatically"), "staff": ("工作人员审核", "decided by staff")}
CHANNELS = {
    "miniprogram": ("小程序", "mini-program"), "api": ("小程序", "mini-program"), "wechat": ("公众号", "official account"),
    "h5": ("网页", "web pages"), "dialog": ("对话", "chat"), "terminal": ("终端对话", "terminal chat"),
    "console": ("工作台", "console"), "cli": ("运维命令", "operator command"), "demo": ("演示数据", "demo data"),
    "worker": ("后台任务", "background worker"), "customer_service": ("客服消息", "customer-service message"),
    "subscribe": ("订阅消息", "subscribe message"),
}
ACTOR_KINDS = {"person": ("申请人", "applicant"), "staff": ("工作人员", "staff"), "system": ("系统", "system"),
               "wechat_identity": ("微信用户", "WeChat user")}
CONSENT_STATES = {"invited": ("等待家人同意", "waiting for consent"), "consented": ("家人已同意", "consented"),
                  "offline_proof": ("已线下查验关系", "relation checked offline"), "revoked": ("已结束代办", "ended")}
# Acts on a filing that the person's activity page does not name (services/filing/activity.py names the rest).
FILING_ACTS = {
    "filing.review_approve": ("审核通过", "approved by a reviewer"),
    "filing.review_reject": ("审核未通过", "rejected by a reviewer"),
    "filing.review_request_info": ("请申请人补充", "asked the person for more"),
    "filing.review_ask_for_paper": ("请申请人补传材料", "asked the person for another paper"),
    "filing.returned_to_review": ("回到审核队列", "returned to the review queue"),
    "filing.handoff_failed": ("推送结算系统失败", "hand-off to the settlement service failed"),
}
_TABLES = {"scheme": SCHEMES, "employment": EMPLOYMENT, "insurance": INSURANCE, "contribution": CONTRIBUTIONS,
           "decision_mode": DECISION_MODES, "channel": CHANNELS, "actor": ACTOR_KINDS,
           "consent": CONSENT_STATES, "person_status": PERSON_STATUSES, "rule_level": RULE_LEVELS,
           "visit": VISITS}
# Kinds whose words are the prompt names the person reads (dialogs/prompts/<lang>/names.j2).
_PROMPT_NAMES = {"category": "category", "material": "material", "relation": "relation"}


def label(code, kind: str, lang: str = "zh_CN") -> str:
    """Return the words for a stored code of one kind; a code nobody named is shown as it is."""
    if code is None or code == "":
        return "—"
    code = str(code)
    which = 1 if lang.startswith("en") else 0
    if kind in _TABLES:
        return _TABLES[kind].get(code, (code, code))[which]
    if kind in _PROMPT_NAMES:
        prompt_id = f"names.{_PROMPT_NAMES[kind]}_{code}"
        return render_prompt(prompt_id, {}, lang) if has_prompt(prompt_id, lang) else code
    if kind == "act":
        from backend.services.filing.activity import ACTIONS

        return (FILING_ACTS.get(code) or ACTIONS.get(code) or (code, code))[which]
    if kind == "check":
        return _check(code, which)
    if kind == "disease":
        from backend.services.data.reference_data import disease_names

        return disease_names(lang).get(code, code)
    if kind == "reason":
        return _reason(code, which)
    raise ValueError(f"unknown label kind {kind!r}")


def _check(code: str, which: int) -> str:
    from backend.services.console.review import CHECK_LABELS

    if code not in CHECK_LABELS:
        return code
    # "证明材料 documents": the Chinese words come first, the English after the first space.
    zh, _, en = CHECK_LABELS[code].partition(" ")
    return en if which and en else zh


def _reason(code: str, which: int) -> str:
    """Return a decision's reason: a review template's short words, a check's label, or free text as written."""
    from backend.services.console.review_reasons import SHORT

    if code in SHORT:
        return SHORT[code]
    return _check(code, which)
