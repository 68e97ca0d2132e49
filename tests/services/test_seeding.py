"""The national-scale generator (its speed at 650,000 rows is in benchmarks/seed_institutions.py)."""
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Area, Institution, InstitutionDisease
from backend.services.data.seeding import seed_institutions


def test_it_generates_a_realistic_mix_spread_over_many_areas(app):
    with app.app_context():
        assert seed_institutions(3000, seed=7) == 3000
        kinds = dict(db.session.execute(select(Institution.kind, func.count()).group_by(Institution.kind)).all())
        assert kinds["pharmacy"] > kinds["clinic"] > kinds["hospital"] > 0
        assert db.session.scalar(select(func.count(Institution.area_code.distinct()))) > 200
        inpatient_only = db.session.scalar(
            select(func.count()).select_from(Institution).where(
                Institution.kind == "hospital", Institution.net_inpatient, ~Institution.net_outpatient
            )
        )
        assert inpatient_only > 0


def test_every_generated_row_points_at_a_real_pool_and_district(app):
    with app.app_context():
        seed_institutions(500, seed=8)
        bad = db.session.scalar(
            select(func.count())
            .select_from(Institution)
            .join(Area, Area.code == Institution.district_code)
            .where(Area.pool_code != Institution.area_code)
        )
        assert bad == 0
        assert db.session.scalar(select(func.count()).select_from(InstitutionDisease)) > 0


def test_it_appends_without_code_clashes_when_run_twice(app):
    with app.app_context():
        seed_institutions(200, seed=1)
        seed_institutions(200, seed=1)
        assert db.session.scalar(select(func.count()).select_from(Institution)) == 400
