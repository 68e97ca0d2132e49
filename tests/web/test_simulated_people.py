"""Simulated people talk to the assistant over POST /api/v1/dialog/messages until they reach their goal.

Each persona (tests/support/simulated.py) answers what the assistant asks from its profile, in its
own style; its outcome is then checked in GET /api/v1/filings (the right filing, a cancelled or
changed one, no second long-term filing) or in the last reply (status, who filed, and for "will my
visit at this hospital on that day settle?" the right yes or no with the key reason).
"""
import pytest

from backend.services.data import reference_data

from tests.support.personas import load_policies, token_for
from tests.support.simulated import PERSONAS, SETTLE_PERSONAS, Api, build_world, simulate


def test_there_are_at_least_forty_personas_covering_every_goal_and_style():
    assert len(PERSONAS) >= 40
    assert {p.goal for p in PERSONAS} >= {"file", "status", "who_filed", "cancel", "change", "second_long_term"}
    assert {p.style for p in PERSONAS} >= {"terse", "elderly", "english", "voice", "traditional"}
    assert {p.category for p in PERSONAS if p.goal == "file"} == {
        "retiree_resettled", "long_term_resident", "posted_worker", "referral", "emergency", "other_temporary"}


def test_at_least_ten_personas_ask_whether_their_visit_will_settle():
    assert len(SETTLE_PERSONAS) >= 10 and set(SETTLE_PERSONAS) <= set(PERSONAS)
    assert {p.settles for p in SETTLE_PERSONAS} == {True, False}
    assert {p.visit for p in SETTLE_PERSONAS} >= {"inpatient", "outpatient", "chronic"}
    assert any(p.pick for p in SETTLE_PERSONAS) and any(p.en for p in SETTLE_PERSONAS)
    reasons = {w for p in SETTLE_PERSONAS for w in p.reason}
    assert {"还在审核", "过期", "没有开通普通门诊", "没有有效的备案"} <= reasons


@pytest.mark.parametrize("profile", PERSONAS, ids=[p.name for p in PERSONAS])
def test_the_simulated_person_reaches_their_goal(app, client, today, profile):
    with app.app_context():
        load_policies()
        if profile.goal == "settle":
            reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        world = build_world("sim", seed=7)
        tokens = {role: token_for(openid) for role, openid in world.openids.items()}
    result = simulate(profile, Api.over_test_client(client), tokens, world, today)
    assert result.reached, result.report()
