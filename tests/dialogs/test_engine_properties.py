"""Properties of the engine that must hold whatever a person types, in whatever order."""
from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs import engine
from dialogs.prompts import LARGE_MAX_CHOICES, render_step
from dialogs.types import SubmitFiling
from tests.dialogs.support import MOTHER, context, existing_filing

STEP_NAMES = {spec.name for flow in engine.registered_flows() for spec in flow.steps}
# Slots that are bookkeeping of one step, cleared by design once that step is answered.
TRANSIENT = {"wanted_relation", "editing", "edit_field", "page", "near"}
# Answering these steps is itself a way to take an answer back (an edit, or "another city").
UNDOING_STEPS = {"edit_field", "existing_action"}

MEANINGFUL = [
    "我要办备案", "办备案", "公司派我去苏州工作一年", "我妈退休后住在深圳，参保在沈阳", "出差在北京，急诊住院了",
    "医院让我转诊去上海", "去三亚旅游", "帮我爸办备案", "我长期住在杭州",
    "苏州", "深圳", "北京", "上海", "三亚", "广东", "大连", "沈阳", "廊坊", "火星", "海南",
    "明天", "下周一", "12月1日", "2026-11-01", "前天", "到12月31日", "2030年1月1日", "2月30日",
    "长期", "临时", "退休", "出差", "急诊", "转诊", "承诺书", "上传证明", "变更", "就医地", "修改",
    "是", "对", "好的", "不是", "不", "确认", "可以",
    "返回", "重新开始", "取消", "帮助", "人工", "大字", "正常模式",
    "13812345678", "+86 139 1234 5678", "1381234", "第二个", "最后一个",
]
COMMAND_WORDS = {"返回", "重新开始", "取消", "帮助", "人工", "大字", "正常模式"}

answers = st.sampled_from([m for m in MEANINGFUL if m not in COMMAND_WORDS])
# Repeated branches weigh the mix: mostly answers and numbers, some commands, some noise,
# so that sequences reach the late steps (confirm, edit) and not only the menu.
inputs = st.one_of(
    answers, answers,
    st.integers(0, 9).map(str), st.integers(0, 9).map(lambda k: {"choice": k}),
    st.integers(1, 3).map(lambda k: {"choice": k}),
    st.sampled_from(sorted(COMMAND_WORDS)),
    st.text(max_size=30),
)

# Most sequences open with a request, so that the property explores the flow and not the menu.
# Some open with a whole answered filing, so that confirm and edit get their share of noise.
openers = st.one_of(
    st.sampled_from(MEANINGFUL[:9]).map(lambda said: [said]), inputs.map(lambda said: [said]),
    st.sampled_from([
        ["公司派我去苏州工作一年", "12月1日", "1", "1"],
        ["去三亚旅游", "下周一", "1", "1", "2"],
        ["我要办备案", "深圳", "1"],
        ["我要办备案", "北京", "2"],
    ]),
)

PERSONAS = {
    "self": context(),
    "son_with_mother": context(members=(MOTHER,), insured={"self": "131000", "member:7": "210100"}),
    "existing_in_shenzhen": context(filings={"self": [existing_filing()]}),
    "locked_in_shenzhen": context(filings={"self": [existing_filing(lock_until=date(2027, 1, 5))]}),
    "langfang": context(insured={"self": "131000"}),
    "elder": context(large_text=True),
    "unbound": context(bound=False),
}


def _present(slots: dict) -> set[str]:
    return {k for k, v in slots.items() if v not in (None, "") and k not in TRANSIENT}


def _is_command(said) -> bool:
    return not isinstance(said, dict) and engine.nlu.detect_command(said) is not None


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(persona=st.sampled_from(sorted(PERSONAS)), opener=openers, turns=st.lists(inputs, max_size=24))
def test_no_sequence_of_inputs_breaks_the_conversation(persona, opener, turns):
    ctx = PERSONAS[persona]
    state = engine.DialogState()
    for said in [*opener, *turns]:
        before_step, before_slots, before_flow = state.step, dict(state.slots), state.flow
        step = engine.advance(state, said, ctx)
        state = step.state

        # The state is always somewhere the table knows, and a flow runs exactly when not idle.
        assert state.step in STEP_NAMES | {"idle", "submitted"}, state.step
        assert (state.flow is None) == (state.step in ("idle", "submitted"))

        # Elder mode never shows more than four choices.
        if state.large_text:
            assert all(len(r.choices) <= LARGE_MAX_CHOICES for r in step.replies)
            assert len(state.offered) <= LARGE_MAX_CHOICES

        # Every reply renders in both languages, normal and large.
        for lang in ("zh_CN", "en"):
            for large in (False, True):
                render_step(step, lang, large)

        # An answer (not a command) never loses an earlier answer, unless the flow finished, the person
        # asked for something else (the answers then wait in the conversation memory), or the step
        # answered was itself an edit.
        finished = (any(isinstance(e, SubmitFiling) for e in step.effects) or state.flow is None
                    or state.flow != before_flow)
        # Filing for oneself after asking for a relative who has not consented: what was said about the
        # relative (their city, their situation) is deliberately not carried into the person's own filing.
        for_self_instead = before_slots.get("wanted_relation") and state.slots.get("principal") == "self"
        if not _is_command(said) and not finished and before_step not in UNDOING_STEPS and not for_self_instead:
            lost = _present(before_slots) - _present(state.slots)
            assert not lost, f"{said!r} at {before_step} lost {lost}"
        # The state survives the database.
        assert engine.DialogState.from_dict(state.to_dict()) == state
