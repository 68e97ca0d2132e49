"""Area policy administration: validated new versions, past decisions keep their rules, YAML round trip."""
import copy
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.data.build_sample_policies import policy_for
from backend.extensions import db
from backend.lib import clock
from backend.models import AreaPolicy, AuditEntry, StaffUser
from backend.services.console import policy_admin
from backend.services.console.policy_admin import PolicyInvalid
from backend.services.console.staff_accounts import StaffForbidden
from tests.support.console import create_staff, filing, pending_filing


def staff(username: str) -> StaffUser:
    return db.session.scalar(select(StaffUser).where(StaffUser.username == username))


def shenyang(**filing_rules) -> dict:
    doc = copy.deepcopy(policy_for("210100"))
    doc["effective_from"] = (clock.today() + timedelta(days=1)).isoformat()
    doc["filing"].update(filing_rules)
    return doc


@pytest.fixture()
def admin(app, people, today):
    with app.app_context():
        create_staff()
        yield staff("admin-shenyang")


def test_a_new_version_applies_to_new_decisions_and_past_decisions_keep_their_rules(app, admin, people):
    before = pending_filing(people.son)
    first_policy = filing(before).policy_id
    doc = shenyang(self_service_enabled=False)
    doc["effective_from"] = clock.today().isoformat()
    saved = policy_admin.save_version(admin, "210100", doc)
    after = pending_filing(people.retiree, treatment="440300", category="retiree_resettled", materials="commitment_letter")
    assert filing(before).policy_id == first_policy != saved.id
    assert filing(after).policy_id == saved.id
    assert [c["code"] for c in filing(after).decision_checks if not c["passed"]] == ["self_service"]
    assert db.session.get(AreaPolicy, first_policy).self_service_enabled is True
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_type == "area_policy")) == \
        "policy.version_saved"


@pytest.mark.parametrize("change, problem", [
    (lambda d: d["reimbursement"][0].update(ratio="1.2"), "ratio must be between 0 and 1"),
    (lambda d: d["reimbursement"][0].update(deductible="5000", annual_cap="100"), "annual_cap: must be >= the deductible"),
    (lambda d: d["filing"].update(change_lock_months=-1), "change_lock_months: 须为 0–120 的整数 / a whole number from 0 to 120"),
    (lambda d: d.update(effective_from="2026-01-01"), "生效日期不能早于今天"),
])
def test_an_invalid_version_is_refused_with_the_reason_and_nothing_is_stored(app, admin, change, problem):
    doc = shenyang()
    change(doc)
    count = len(db.session.scalars(select(AreaPolicy.id)).all())
    with pytest.raises(PolicyInvalid) as refused:
        policy_admin.save_version(admin, "210100", doc)
    assert any(problem in p for p in refused.value.problems), refused.value.problems
    assert len(db.session.scalars(select(AreaPolicy.id)).all()) == count
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.subject_type == "area_policy")) is None


def test_the_version_of_a_day_cited_by_decisions_cannot_be_replaced(app, admin, people):
    doc = shenyang()
    doc["effective_from"] = clock.today().isoformat()
    policy_admin.save_version(admin, "210100", doc)
    pending_filing(people.son)
    with pytest.raises(PolicyInvalid) as refused:
        policy_admin.save_version(admin, "210100", doc)
    assert "已被审核决定引用" in refused.value.problems[0]


def test_only_an_administrator_of_the_area_may_change_its_rules(app, admin):
    for who, area in (("admin-shenyang", "340100"), ("reviewer-shenyang", "210100"), ("auditor", "210100")):
        with pytest.raises(StaffForbidden):
            policy_admin.save_version(staff(who), area, shenyang())


def test_an_exported_version_imports_again_under_a_new_date_and_bad_entries_are_named_by_line(app, admin):
    text = policy_admin.export_yaml(admin, "210100")
    assert "policies:" in text and "&id" not in text
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    changed = text.replace("effective_from: '2025-01-01'", f"effective_from: '{tomorrow}'")
    bad = changed + "- area: '340100'\n  effective_from: '2027-01-01'\n"
    result = policy_admin.import_yaml(admin, "210100", bad)
    assert result.accepted == 1
    assert len(result.rejected) == 1 and result.rejected[0][0] > 1 and "340100" in result.rejected[0][1]
    view = policy_admin.area_policies(admin, "210100")
    assert [v["effective_from"].isoformat() for v in view.versions] == [tomorrow, "2025-01-01"]
    assert view.versions[0]["future"] and view.versions[1]["current"]


def test_a_file_that_is_not_yaml_is_refused_with_its_line(app, admin):
    with pytest.raises(PolicyInvalid) as refused:
        policy_admin.import_yaml(admin, "210100", "policies:\n  - area: [unclosed\n")
    assert refused.value.problems[0].startswith("line ")
