"""Generate a realistic national-scale institution set for benchmarks (not real data).

The mix follows DOMAIN.md section 6: about 651,600 networked institutions, some
400,000 of them pharmacies. Names are composed from parts so pinyin keys can be
computed per part and cached, which keeps 650,000 rows well under three minutes.
"""
from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import select, text

from backend.extensions import db
from backend.lib import pinyin, search_keys
from backend.models import Area, Disease, Institution, InstitutionDisease
from backend.models.institutions import name_key_rows, refresh_planner_statistics, store_name_keys
from backend.services.unit_of_work import unit_of_work

CHAINS = ["老百姓", "益丰", "大参林", "一心堂", "国大", "海王星辰", "漱玉平民", "健之佳", "同仁堂", "九州通", "仁和", "惠民"]
ROADS = ["人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "胜利路", "文化路", "长江路", "黄河路",
         "青年路", "光明路", "友谊路", "东风路", "朝阳路", "幸福路", "育才路", "迎宾路", "滨河路", "工业路"]
STREETS = ["城关", "东街", "西街", "南关", "北关", "新城", "河西", "站前", "江南", "湖滨", "桥东", "桥西"]
HOSPITAL_KINDS = [("人民医院", "2A"), ("中医院", "2A"), ("中心医院", "3B"), ("妇幼保健院", "2"), ("第一人民医院", "3A"),
                  ("第二人民医院", "2A"), ("骨科医院", "2"), ("肿瘤医院", "3A"), ("口腔医院", "2"), ("康复医院", "1")]
BATCH = 10000


def _key(parts: list[str]) -> tuple[str, str]:
    keys = [pinyin.keys(p) for p in parts]
    return "".join(k[0] for k in keys), "".join(k[1] for k in keys)


def _make(rng: random.Random, serial: int, area: Area, district: Area, diseases: list[str]) -> tuple[dict, list]:
    roll = rng.random()
    place = district.short_name
    if roll < 0.615:
        kind, level, letter = "pharmacy", "none", "P"
        parts = [rng.choice(CHAINS), "大药房", "(", place, rng.choice(ROADS), f"{rng.randint(1, 99)}号店", ")"]
        services = {"pharmacy"} | ({"chronic"} if rng.random() < 0.12 else set())
    elif roll < 0.86:
        kind, level, letter = "clinic", rng.choice(["1", "1", "none"]), "C"
        parts = [place, rng.choice(STREETS), "社区卫生服务中心"]
        services = {"outpatient"} | ({"chronic"} if rng.random() < 0.3 else set())
    else:
        kind, letter = "hospital", "H"
        suffix, level = rng.choice(HOSPITAL_KINDS)
        parts = [place, suffix]
        # About one hospital in seven is networked for inpatient care only.
        services = {"inpatient"} if rng.random() < 0.15 else {"inpatient", "outpatient", "chronic"}
    name = "".join(parts)
    full, initials = _key(parts)
    lat = (district.latitude or area.latitude or 35.0) + rng.uniform(-0.06, 0.06)
    lon = (district.longitude or area.longitude or 110.0) + rng.uniform(-0.06, 0.06)
    record = {
        "code": f"G{letter}{area.code}{serial:07d}",
        "name": name, "area_code": area.code, "district_code": district.code, "level": level,
        "level_rank": search_keys.level_rank(level), "kind": kind,
        "latitude": round(lat, 6), "longitude": round(lon, 6),
        "net_inpatient": "inpatient" in services, "net_outpatient": "outpatient" in services,
        "net_chronic": "chronic" in services, "net_pharmacy": "pharmacy" in services,
        "name_pinyin": full, "name_initials": initials, "is_sample": True,
    }
    links = rng.sample(diseases, k=rng.randint(1, 4)) if "chronic" in services else []
    if kind != "hospital" or level in ("1", "none"):
        links = [d for d in links if d != "uraemia_dialysis"]
    return record, links


def seed_institutions(count: int, *, seed: int = 2025, progress: Callable[[int], None] | None = None) -> int:
    """Insert count generated institutions spread over every co-ordination area.

    The rows commit in a unit of work of their own before the planner's statistics are refreshed
    (which reads them on another connection).
    """
    with unit_of_work(separately=True):
        made = _insert(count, random.Random(seed), progress)
    refresh_planner_statistics()
    return made


def _insert(count: int, rng: random.Random, progress: Callable[[int], None] | None) -> int:
    pools = db.session.scalars(select(Area).where(Area.is_pool.is_(True)).order_by(Area.code)).all()
    counties: dict[str, list[Area]] = {}
    for county in db.session.scalars(select(Area).where(Area.level == "county")):
        counties.setdefault(county.pool_code or "", []).append(county)
    diseases = list(db.session.scalars(select(Disease.code).order_by(Disease.code)))
    if not pools:
        raise RuntimeError("no areas loaded; run `flask --app wsgi load-demo` or `load-reference` first")
    weights = [max(1, len(counties.get(p.code, []))) for p in pools]
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        # Bulk loading: durability of each batch is not needed, the run is repeatable.
        conn.execute(text("PRAGMA synchronous=OFF"))
    start = db.session.scalar(select(db.func.count()).select_from(Institution)) or 0
    made = 0
    # Name keys are coarse cells, so most batches repeat ones already written.
    cells_written: set[tuple[str, int, str]] = set()
    while made < count:
        size = min(BATCH, count - made)
        records, links = [], []
        for area in rng.choices(pools, weights=weights, k=size):
            district = rng.choice(counties.get(area.code) or [area])
            record, codes = _make(rng, start + made + len(records), area, district, diseases)
            records.append(record)
            links.extend({"institution_code": record["code"], "disease_code": d} for d in codes)
        conn.execute(Institution.__table__.insert(), records)
        if links:
            conn.execute(InstitutionDisease.__table__.insert(), links)
        cells = name_key_rows(records) - cells_written
        store_name_keys(conn, cells)
        cells_written |= cells
        made += size
        if progress:
            progress(size)
    return made
