"""The words: every prompt exists in both languages and its elder-mode variant stays short.

Parameters are not invented: they are whatever the engine put in its replies while
representative conversations ran in large-text mode, plus the replies the backend builds
itself (outcomes, the list of filings) with the parameters it passes.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import pytest

from dialogs import engine, prompts
from dialogs.prompts import LARGE_MAX_CHARS, LARGE_MAX_CHOICES, render_reply
from dialogs.types import Choice, Reply
from tests.dialogs.support import MOTHER, Chat, area_rules, context, existing_filing, institution_context
from tests.dialogs.support import start_flow, suzhou_filing

CJK = re.compile(r"[\u4e00-\u9fff]")

CONVERSATIONS = [
    ({}, ["你好", "帮助", "人工", "1", "帮助", "火星", "大连", "苏州", "5", "帮助", "1", "帮助", "3", "帮助",
          "2026-11-01", "2030年1月1日", "火星", "12月1日", "帮助", "好", "帮助", "1381234", "1", "帮助", "修改",
          "帮助", "日期", "12月2日", "1"]),
    ({}, ["你好", "行，谢了"]),
    ({}, ["去三亚旅游", "下周一", "帮助", "11月1日", "2028年1月1日", "1", "13812345678", "返回", "返回",
          "重新开始", "取消"]),
    ({}, ["医院让我转诊去上海", "12月1日", "1", "1", "1", "1"]),
    # Submit said together with a question at the summary: not sent, and said so.
    ({}, ["公司派我去苏州工作一年", "需要哪些材料", "12月1日", "这俩有啥区别", "1", "等一下", "1", "1", "嗯 差不多吧",
          "没问题 提交 顺便问下住院能报多少"]),
    ({}, ["出差在北京，急诊住院了", "前天", "1", "1"]),
    ({"insured": {"self": "131000"}}, ["公司派我去苏州工作一年", "12月1日", "签承诺书", "1", "1", "1"]),
    ({"members": (MOTHER,), "insured": {"self": "131000", "member:7": "210100"}},
     ["我妈退休后住在深圳，参保在沈阳", "12月1日", "1", "1", "1"]),
    ({"members": (MOTHER,)}, ["我要办备案", "帮助", "帮我爸办", "随便", "2", "返回", "返回"]),
    ({"members": ()}, ["帮我爸办备案", "2"]),
    ({"filings": {"self": [existing_filing()]}}, ["我要办备案", "深圳", "帮助", "随便", "1", "1", "1"]),
    ({"filings": {"self": [existing_filing(lock_until=date(2027, 1, 5), filed_by="self")]}},
     ["我要办备案", "深圳", "变更", "1", "苏州", "2"]),
    ({"rules": {"210100": area_rules("210100", categories=("posted_worker",))}},
     ["我要办备案", "苏州", "1", "退休后搬过去住", "1"]),
    ({"bound": False}, ["办备案"]),
    ({"insured": {}}, ["我要办备案", "帮助", "火星", "合肥", "苏州", "1"]),
    ({}, ["大字", "正常模式", "大字", "2"]),
    ({}, ["公司派我去苏州工作一年", "12月1日", "啥是承诺书", "1", "帮助", "随便", "1", "帮助", "1381234", "1", "帮助",
          "提交了还能改吗", "修改", "帮助", "日期", "12月2日", "日期改成12月3日", "就医地改成苏州", "我要改一下", "电话", "1", "1"]),
    ({}, ["什么是备案", "参保地是啥意思", "就医地什么意思", "直接结算是啥", "手工报销是什么", "慢特病指什么",
          "资格认定是什么", "联网医院是什么意思", "人员类别是什么", "起付线是什么", "报销比例是什么意思", "医保电子凭证是啥", "办这个要钱吗", "怎么授权让我代办", "有效期多久 能去几次",
          "1", "English please", "说中文"]),
    ({"bound": False}, ["办备案", "帮助", "123", "王秀英", "帮助", "火星", "沈阳", "帮助", "12345", "我要办备案", "取消"]),
    ({}, ["绑定身份"]),
    ({"self_phone_masked": None}, ["转人工", "13812345678"]),
    ({}, ["帮我妈查下备案"]),
    ({}, ["公司派我去苏州工作一年", "刚才填错了"]),
    # Consent without WeChat.
    ({}, ["我妈不会用微信 咋授权"]),
    # Whether a filing is needed at all, answered before anything starts.
    ({}, ["我去北京出差半个月 需要备案吗", "1"]),
    # Care in one's own insured city needs no filing.
    ({}, ["回沈阳看病还能报不"]),
    # Long-term and temporary at once: what tells them apart.
    ({}, ["我要办备案", "成都", "单位派我去 但是临时的", "2"]),
    ({"filings": {"self": [existing_filing(), existing_filing(reference="BA20250101-0002",
                                                                treatment_area_code="320500")]}}, ["撤销备案", "退出"]),
    ({"filings": {"self": [existing_filing(status="pending_review")]}}, ["我要办备案", "深圳", "变更", "2"]),
]
# The institution flow, with its fake search (tests/dialogs/support.py).
INSTITUTION_CONVERSATIONS = [
    ({"filed_area": None}, ["高血压能直接结算吗", "取消"]),
    ({}, ["找医院", "帮助", "随便", "3", "帮助", "头疼", "透析", "帮助", "更多", "附近", "帮助", "火星区", "南山区", "1"]),
    ({"filed_area": None}, ["找药店", "帮助", "1", "火星", "苏州", "取消"]),
    ({"filed_area": None}, ["慢特病能结算吗", "帮助", "头疼", "透析", "帮助", "火星", "深圳"]),
    ({"filed_area": None}, ["慢病", "取消"]),
    ({}, ["住院大概花多少钱能报多少", "帮助", "1", "帮助", "挺贵的", "3000"]),
    ({}, ["能报多少", "帮助", "随便", "3", "帮助", "头疼", "透析", "帮助", "更多", "附近", "帮助", "火星区", "南山区",
          "1", "跳过"]),
    ({"filed_area": None}, ["会不会直接结算", "1", "帮助", "火星", "深圳", "取消"]),
    # An impossible visit day is asked again (help, a wrong day, then a real one), in both flows.
    ({}, ["12月32号找医院", "帮助", "13月5号", "12月3号", "取消"]),
    ({}, ["12月32号住院能报多少", "帮助", "13月5号", "12月3号", "取消"]),
]

# Replies the backend builds itself (backend/services/dialog/dialog_turns.py), with the parameters it passes.
BACKEND_REPLIES = [
    Reply("filing.outcome_approved", {"reference": "BA20261122-0007", "treatment": "苏州市", "insured": "合肥市",
                                      "end": None, "lock_until": "2027-05-22", "reasons": []}),
    Reply("filing.outcome_pending", {"reference": "BA20261122-0008", "treatment": "深圳市", "insured": "沈阳市",
                                     "end": None, "lock_until": None, "reasons": ["沈阳市要求人工审核证明材料。"]}),
    Reply("filing.outcome_refused", {"reference": "BA20261122-0009", "treatment": "深圳市", "insured": "沈阳市",
                                     "end": None, "lock_until": None,
                                     "reasons": ["您在深圳市已有一个有效备案（编号 BA20250101-0001），同一城市不能重复备案。"
                                                 "如需更改，请选择变更原备案，或联系参保地医保经办机构。" * 2]}),
    Reply("common.filings_empty"),
    Reply("common.filings_list", {"filings": [
        {"treatment": city, "category": "retiree_resettled", "status": "approved", "reference": f"BA2025010{i}-0001",
         "start": "2025-01-05", "end": None, "filed_by": "child", "filed_by_name": "张*", "submitted_on": "2025-01-01"}
        for i, city in enumerate(["深圳市", "苏州市", "北京市", "上海市", "海南省"], start=1)]}),
    Reply("common.stale_turn"),
    Reply("bind.done", {"name": "王*英", "area": "沈阳市", "next": True},
          (Choice("filing", "bind.choice_continue"),)),
    Reply("bind.refused", {"reason": "mismatch"}),
    # No conversation reaches these two today (see the xfail tests in test_filing_transcripts.py);
    # the parameters are those validate_treatment_area and validate_existing_action pass.
    Reply("filing.which_city", {"province": "内蒙古自治区"}),
    Reply("filing.change_locked", {"lock_until": "2027-01-05"}),
    Reply("common.busy_retry"),
    Reply("common.quick_tap_check", {"number": 1}),
    Reply("common.quick_tap_repeat", {"number": 1}),
    Reply("chronic.verdict", {"eligible": False, "area": "深圳市", "disease": "尿毒症透析", "amount": None,
                              "lines": [{"passed": False, "message": "您还没有尿毒症透析的门诊慢特病资格认定。"
                                                                   "请先向参保地（沈阳市）医保经办机构申请认定。"},
                                        {"passed": True, "message": "已有覆盖就医地的有效备案（BA1）。"}],
                              "alternatives": [{"name": "深圳市人民医院"}]}),
    Reply("chronic.verdict", {"eligible": True, "area": "深圳市", "disease": "尿毒症透析", "amount": "6000.00",
                              "lines": [{"passed": True, "message": "尿毒症透析已在参保地认定。"}], "alternatives": []}),
    Reply("settlement.verdict", {"ready": True, "institution": "北京大学深圳医院", "reasons": [],
                                 "estimate": {"total": "3000", "fund_pays": "1560.00", "person_pays": "1440.00",
                                              "ratio": "80%", "deductible": "1050.00"}}),
    Reply("settlement.verdict", {"ready": False, "institution": "深圳市某某医院", "estimate": None,
                                 "reasons": [{"reason": "深圳市某某医院没有开通普通门诊的跨省直接结算（只开通了：住院）。",
                                              "action": "换一家开通了普通门诊的机构。"},
                                             {"reason": "您的医保状态不正常（暂停，缴费：断缴），看病不能直接结算。",
                                              "action": "先联系参保地医保经办机构补缴或恢复参保。"}],
                                 "alternatives": [{"name": "香港中文大学（深圳）医院深圳市龙岗区中心医院", "distance_km": 1.2},
                                                  {"name": "北京大学深圳医院", "distance_km": None}]}),
    Reply("settlement.unavailable"),
    Reply("institution.outcome_settles", {"name": "北京大学深圳医院", "visit": "outpatient", "filing": "BA20261122-0007",
                                          "reasons": [], "alternatives": []}),
    Reply("institution.outcome_fails", {"name": "深圳市某某医院", "visit": "outpatient", "filing": "BA20261122-0007",
                                        "reasons": ["这家机构没有开通普通门诊的跨省直接结算（只开通了：住院）。"],
                                        "alternatives": [{"name": "北京大学深圳医院", "distance_km": 1.2},
                                                         {"name": "香港大学深圳医院", "distance_km": 2.5}]}),
]


# The cancel and change flows, started by name as the intent layer starts them: (flow, context, first
# message, then what the person says). The person has filings in 深圳 (from a relative) and 苏州.
_BOTH = {"self": [existing_filing(), suzhou_filing()]}
_LOCKED = {"self": [existing_filing(lock_until=date(2027, 6, 1))]}
MANAGE_CONVERSATIONS = [
    (flow, overrides, first, lines)
    for flow in ("cancel", "change")
    for overrides, first, lines in [
        ({}, "不要这个备案了", []),
        ({"filings": _BOTH}, "备案", ["帮助", "随便", "深圳", "帮助", "嗯", "这是啥", "2"]),
        ({"filings": _BOTH, "members": (MOTHER,)}, "帮我爸弄一下备案", ["帮助", "我妈的", "1", "1", "取消"]),
        ({"filings": {**_BOTH, "member:7": [existing_filing(filed_by="self")]}, "members": (MOTHER,)}, "备案",
         ["2", "2"]),
        ({"filings": {**_BOTH, "member:7": [existing_filing(filed_by="self")]}, "members": (MOTHER,)}, "备案",
         ["3"]),
        ({"filings": _LOCKED}, "备案", []),
    ]
] + [
    ("change", {"filings": {"self": [suzhou_filing()]}}, "备案要改一下",
     ["帮助", "1", "帮助", "苏州", "大连", "杭州", "帮助", "好", "2"]),
    ("change", {"filings": {"self": [suzhou_filing()]}}, "备案要改一下", ["2", "帮助", "12月1日", "1"]),
    # A question at the confirmation changes nothing and says what stays.
    ("change", {"filings": {"self": [suzhou_filing(start_date=date(2027, 1, 8), end_date=date(2027, 1, 20),
                                                     lock_until=None, category="other_temporary")]}},
     "备案要改一下", ["2", "10号", "回来那天还是20号对吧？", "2"]),
    ("change", {"filings": {"self": [suzhou_filing()]}}, "备案要改一下", ["3", "帮助", "2", "1"]),
    ("change", {"filings": {"self": [suzhou_filing()]},
                "rules": {"210100": area_rules("210100", categories=("posted_worker",))}}, "备案要改一下", ["3"]),
]
# What backend/services/dialog/dialog_manage.py replies after the effect, with the parameters it passes.
_DAY = {"iso": "2027-05-22", "y": 2027, "m": 5, "d": 22}
MANAGE_REPLIES = [
    Reply("cancel.done", {"reference": "BA20250101-0001", "area": "深圳市", "was": "approved"}),
    Reply("cancel.done", {"reference": "BA20250101-0001", "area": "深圳市", "was": "pending_review"}),
    Reply("cancel.not_active", {"reference": "BA20250101-0001", "status": "cancelled"}),
    Reply("cancel.not_found"),
    Reply("cancel.locked", {"principal": "mother", "principal_name": "王*", "reference": "BA20250101-0001",
                            "area": "深圳市", "category": "retiree_resettled", "start": _DAY, "lock_until": _DAY,
                            "insured": "沈阳市"}),
    Reply("change.done", {"reference": "BA20261122-000009", "old": "BA20260510-0002", "area": "杭州市",
                          "category": "posted_worker", "start": _DAY, "end": None, "in_effect": False,
                          "lock_until": _DAY, "insured": "沈阳市"}),
    Reply("change.done", {"reference": "BA20261122-000009", "old": "BA20260510-0002", "area": "三亚市",
                          "category": "other_temporary", "start": _DAY, "end": _DAY, "in_effect": True,
                          "lock_until": None, "insured": "沈阳市"}),
    Reply("change.pending", {"reference": "BA20261122-000009", "old": "BA20260510-0002"}),
    Reply("change.refused", {"reference": "BA20261122-000009", "old": "BA20260510-0002",
                             "reasons": ["您在杭州市已有一个有效备案（编号 BA20250101-0001），同一城市不能重复备案。" * 2]}),
    Reply("change.not_active", {"reference": "BA20260510-0002", "status": "superseded"}),
    Reply("change.not_found"),
    Reply("change.locked", {"principal": "self", "reference": "BA20250101-0001", "area": "深圳市",
                            "category": "retiree_resettled", "start": _DAY, "lock_until": _DAY, "insured": "沈阳市"}),
]


@lru_cache(maxsize=1)
def large_mode_replies() -> tuple[Reply, ...]:
    """Run the representative conversations in large-text mode; return every reply they made."""
    replies = list(BACKEND_REPLIES) + MANAGE_REPLIES
    for flow, overrides, first, lines in MANAGE_CONVERSATIONS:
        chat = Chat(context(large_text=True, **overrides))
        replies += start_flow(chat, flow, first).replies
        for line in lines:
            replies += chat.say(line).replies
    for overrides, lines in CONVERSATIONS:
        chat = Chat(context(large_text=True, **overrides))
        for line in lines:
            replies += chat.say(line).replies
    for overrides, lines in INSTITUTION_CONVERSATIONS:
        chat = Chat(institution_context(large_text=True, **overrides))
        for line in lines:
            replies += chat.say(line).replies
    # A session saved on a flow version that no longer exists is told the flow changed.
    stale = engine.DialogState(flow="filing", flow_version=999, step="phone", slots={"principal": "self"})
    replies += engine.advance(stale, "你好", context(large_text=True)).replies
    return tuple(replies)


def _with_large_variant() -> set[str]:
    return {p for p in prompts.prompt_ids() if prompts.has_prompt(p, large=True)}


def test_the_catalogue_has_no_problems():
    assert prompts.check_catalogue() == []


def test_the_flows_refer_only_to_defined_prompts():
    assert engine.check_prompts(lambda p: all(prompts.has_prompt(p, lang) for lang in prompts.LANGUAGES)) == []


def test_the_sample_conversations_reach_every_prompt_with_a_large_variant():
    # Otherwise a new prompt would escape the length checks below.
    reached = {r.prompt for r in large_mode_replies()} | {c.label for r in large_mode_replies() for c in r.choices}
    assert _with_large_variant() - reached == set()


@pytest.mark.parametrize("lang", prompts.LANGUAGES)
def test_every_large_text_reply_with_its_numbered_choices_is_at_most_120_characters_and_four_choices(lang):
    # What the person reads is the body and the numbered choices together (API messages, WeChat parts).
    too_long = {}
    for reply in large_mode_replies():
        assert len(reply.choices) <= LARGE_MAX_CHOICES, reply.prompt
        text, choices = render_reply(reply, lang, large=True)
        if len(text) > LARGE_MAX_CHARS:
            too_long[reply.prompt] = text
        assert len(choices) <= LARGE_MAX_CHOICES
        if choices:
            numbers = [line.split(" ", 1)[0] for line in text.splitlines()[-len(choices):]]
            assert numbers == [str(n) for n in range(1, len(choices) + 1)], reply.prompt
    assert too_long == {}


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_every_chinese_reply_is_in_chinese(large):
    for reply in large_mode_replies():
        text, choices = render_reply(reply, "zh_CN", large)
        assert CJK.search(text), (reply.prompt, text)
        assert all(CJK.search(c.label) for c in choices), reply.prompt


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_every_english_reply_is_fully_rendered(large):
    for reply in large_mode_replies():
        text, _choices = render_reply(reply, "en", large)
        assert "{{" not in text and "{%" not in text, (reply.prompt, text)
        assert text.strip() and text != reply.prompt, reply.prompt
