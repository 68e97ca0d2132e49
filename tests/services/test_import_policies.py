"""Area policies are data: importable from YAML, validated, versioned by effective date."""
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import AreaPolicy
from backend.services.data import reference_data

GOOD = """\
policies:
  - area: "210100"
    effective_from: 2025-01-01
    filing:
      categories_offered: [retiree_resettled, emergency]
      self_service_enabled: true
      change_lock_months: 6
    reimbursement:
      - {scheme: employee, person_status: retired, institution_level: any, visit_type: chronic,
         deductible: "0", ratio: "0.80", annual_cap: "50000"}
    chronic_diseases:
      - code: uraemia_dialysis
        fixed_monthly_amount: "6000.00"
  - area: "999999"
    effective_from: 2025-01-01
  - area: "440300"
    effective_from: 2025-01-01
    reimbursement:
      - {scheme: employee, person_status: working, institution_level: "3", visit_type: inpatient,
         deductible: "1000", ratio: "1.5", annual_cap: "500"}
  - area: "340100"
    effective_from: 2025-01-01
    filing: {change_lock_months: -1}
"""


def test_it_keeps_valid_policies_and_reports_each_invalid_one_by_line(app, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with app.app_context():
        report = reference_data.import_policies(path)
        assert report.accepted == 1
        lines = [line for line, _ in report.rejected]
        assert lines == [14, 16, 21]
        reasons = " ".join(r for _, r in report.rejected)
        assert "999999" in reasons and "between 0 and 1" in reasons and ">= the deductible" in reasons
        assert "change_lock_months" in reasons
        policy = reference_data.current_policy("210100", date(2026, 1, 1))
        assert policy.chronic_diseases[0].fixed_monthly_amount == Decimal("6000.00")
        assert policy.reimbursement_rules[0].ratio == Decimal("0.8000")


def test_a_new_version_keeps_the_old_one_and_closes_its_period(app, tmp_path):
    first = tmp_path / "a.yaml"
    first.write_text('policies:\n  - {area: "210100", effective_from: 2025-01-01}\n', encoding="utf-8")
    second = tmp_path / "b.yaml"
    second.write_text(
        'policies:\n  - {area: "210100", effective_from: 2026-07-01, filing: {change_lock_months: 3}}\n',
        encoding="utf-8",
    )
    with app.app_context():
        reference_data.import_policies(first)
        reference_data.import_policies(second)
        versions = db.session.scalars(select(AreaPolicy).order_by(AreaPolicy.effective_from)).all()
        assert [v.effective_to for v in versions] == [date(2026, 6, 30), None]
        assert reference_data.current_policy("210100", date(2026, 6, 30)).change_lock_months == 6
        assert reference_data.current_policy("210100", date(2026, 7, 1)).change_lock_months == 3


def test_malformed_yaml_is_reported_with_its_line(app, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("policies:\n  - area: [unclosed\n", encoding="utf-8")
    with app.app_context():
        report = reference_data.import_policies(path)
        assert report.accepted == 0 and report.rejected[0][0] >= 2


def test_the_shipped_sample_policies_cover_every_pool(app):
    from backend.models import Area

    with app.app_context():
        report = reference_data.import_policies(reference_data.SAMPLE_POLICIES_YAML)
        assert report.rejected == []
        pools = db.session.scalar(select(func.count()).select_from(Area).where(Area.is_pool.is_(True)))
        assert report.accepted == pools
        assert all(p.is_sample for p in db.session.scalars(select(AreaPolicy)))
