"""The shipped areas: every prefecture-level division and the province-level pools."""
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Area

PROVINCE_LEVEL_POOLS = {"110000", "120000", "310000", "500000", "460000", "540000", "660000"}


def test_it_ships_every_prefecture_level_division(app):
    with app.app_context():
        prefectures = db.session.scalar(select(func.count()).select_from(Area).where(Area.level == "prefecture"))
        assert prefectures >= 330


def test_it_ships_the_province_level_pools_and_marks_them(app):
    with app.app_context():
        rows = db.session.scalars(select(Area).where(Area.files_at_province_level.is_(True))).all()
        assert {a.code for a in rows} == PROVINCE_LEVEL_POOLS
        assert all(a.is_pool and a.pool_code == a.code for a in rows)


def test_every_prefecture_and_county_pools_in_a_pool(app):
    with app.app_context():
        orphans = db.session.scalars(
            select(Area.code).where(Area.level != "province", Area.pool_code.is_(None))
        ).all()
        assert orphans == []
        pool_codes = set(db.session.scalars(select(Area.code).where(Area.is_pool.is_(True))))
        used = set(db.session.scalars(select(Area.pool_code).distinct()))
        assert used - {None} <= pool_codes


def test_well_known_cities_are_their_own_pools_with_short_names(app):
    with app.app_context():
        for code, short in [("210100", "沈阳"), ("440300", "深圳"), ("320500", "苏州"), ("340100", "合肥"), ("131000", "廊坊")]:
            area = db.session.get(Area, code)
            assert (area.short_name, area.is_pool, area.pool_code) == (short, True, code)


def test_districts_of_province_level_pools_pool_in_the_province(app):
    with app.app_context():
        assert db.session.get(Area, "110105").pool_code == "110000"  # 朝阳区, Beijing
        assert db.session.get(Area, "460200").pool_code == "460000"  # 三亚, Hainan
        assert db.session.get(Area, "659001").pool_code == "660000"  # 石河子, XPCC
