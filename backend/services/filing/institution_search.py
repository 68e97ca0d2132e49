"""Search networked institutions at national scale, with the database doing the filtering.

Contract (used by the API, the explanations and the dialog flow):
    search(SearchFilters) -> SearchPage
    get_institution(code) -> Institution | None
    validate(SearchFilters) -> SearchFilters    (normalised, or InvalidSearch)

How each search reaches its rows without reading the table:
- with an area (~2,000 rows, up to 17,000): the (area_code, level_rank, name) index, or its
  partial twin for the service asked for, walked in page order; LIKE on name / pinyin /
  initials;
- by distance without an area: growing bounding boxes on the latitude/longitude index;
- a name query without an area, in level order: the coarse name keys (lib/search_keys.py)
  give the candidate (level, area) cells in order, read lazily; each cell is checked on the
  area index, which also holds the code and the initials;
- otherwise level by level (3A first) on the (level_rank, name) index, stopping at the page's
  end, in a name query's candidate areas when they are few.
Every page asks for per_page + 1 rows to know whether another page exists; nothing counts.
"""
from __future__ import annotations

import functools
import heapq
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import chain, islice

from sqlalchemy import and_, bindparam, exists, func, literal, or_, select, tuple_, union_all
from sqlalchemy.orm import aliased

from backend.extensions import db
from backend.lib import search_keys
from backend.models import Area, Disease, Institution, InstitutionDisease, InstitutionNameKey
from backend.models.institutions import LEVELS

SERVICES = ("inpatient", "outpatient", "chronic", "pharmacy")
SORTS = ("level", "distance", "name")
MAX_PER_PAGE = 50
MAX_QUERY_CHARS = 40


class InvalidSearch(ValueError):
    """A filter value cannot be used; field names the parameter, code the reason."""

    def __init__(self, field: str, code: str, **params):
        super().__init__(f"{field}: {code}")
        self.field, self.code, self.params = field, code, params


@dataclass(frozen=True)
class SearchFilters:
    """What to look for. Every field is optional; validate() says what is wrong."""

    area_code: str | None = None          # a co-ordination area (pool) code, or a city inside a province-level pool
    district_code: str | None = None      # a county-level code inside the area
    service: str | None = None            # inpatient | outpatient | chronic | pharmacy
    disease: str | None = None            # disease code (implies the chronic service)
    grade: int | None = None              # 1, 2 or 3 (一/二/三级)
    first_class: bool | None = None       # 甲等 (levels 3A, 2A)
    levels: tuple[str, ...] = ()          # explicit allowed levels (3A 3B 3 2A 2 1 none), e.g. an area's choice rule
    query: str | None = None              # Chinese substring, full pinyin ("xiehe") or initials ("xh")
    latitude: float | None = None
    longitude: float | None = None
    sort: str = "level"                   # level | distance (needs a point) | name
    page: int = 1
    per_page: int = 10
    exclude_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """One institution in a result page (distance in km when a point was given)."""

    code: str
    name: str
    area_code: str
    district_code: str | None
    level: str
    kind: str
    services: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    distance_km: float | None = None


@dataclass(frozen=True)
class SearchPage:
    """A page of hits; has_more says whether another page exists."""

    hits: tuple[Hit, ...]
    page: int
    per_page: int
    has_more: bool
    filters: SearchFilters = field(default_factory=SearchFilters)



MAX_PAGE = 1000
GRADE_LEVELS = {3: ("3A", "3B", "3"), 2: ("2A", "2"), 1: ("1",)}
FIRST_CLASS_LEVELS = ("3A", "2A")
# Up to this many candidate areas at one level are read area by area (each ~300-1,200
# rows at a level); more means the match is common, so the level's name index finds a
# page quickly.
FEW_AREAS = 8
# Candidate cells of a name query: this many per family first, the rest only if reached.
CELL_BATCH = 24
# Bounding boxes tried for a nearest search without an area, in degrees of latitude.
BOX_DEGREES = (0.03, 0.12, 0.5, 2.0, 8.0)
EARTH_RADIUS_KM = 6371.0088

_COLUMNS = (
    Institution.code, Institution.name, Institution.area_code, Institution.district_code, Institution.level,
    Institution.kind, Institution.latitude, Institution.longitude, Institution.net_inpatient,
    Institution.net_outpatient, Institution.net_chronic, Institution.net_pharmacy,
)


@dataclass(frozen=True)
class _AreaRef:
    code: str
    is_pool: bool
    pool_code: str | None


class _ReferenceCache:
    """The areas and diseases a search names, kept per process for a minute.

    They change only when reference data is imported, yet every search checks its area (and
    disease) against them: on PostgreSQL each check was a round trip of its own, a third of a
    typical query's time. A code not in the cache is looked up in the database, so a newly
    imported one is never refused; a changed or removed one is seen within REFRESH_SECONDS.
    """

    REFRESH_SECONDS = 60.0

    def __init__(self) -> None:
        self._key: tuple[str, float] | None = None
        self.areas: dict[str, _AreaRef] = {}
        self.diseases: frozenset[str] = frozenset()

    def current(self) -> "_ReferenceCache":
        url, now = str(db.engine.url), time.monotonic()
        if self._key is None or self._key[0] != url or now - self._key[1] > self.REFRESH_SECONDS:
            rows = db.session.execute(select(Area.code, Area.is_pool, Area.pool_code)).all()
            self.areas = {r.code: _AreaRef(r.code, bool(r.is_pool), r.pool_code) for r in rows}
            self.diseases = frozenset(db.session.scalars(select(Disease.code)).all())
            self._key = (url, now)
        return self

    def area(self, code: str) -> _AreaRef | None:
        found = self.current().areas.get(code)
        if found is None:
            row = db.session.get(Area, code)
            found = _AreaRef(row.code, bool(row.is_pool), row.pool_code) if row is not None else None
        return found

    def has_disease(self, code: str) -> bool:
        return code in self.current().diseases or db.session.get(Disease, code) is not None


_reference = _ReferenceCache()


def _read(stmt, params: dict | None = None):
    """Run a search query on the read replica when DATABASE_READ_URL is set (else the primary)."""
    if "search" in db.engines:
        # A replica may lag the primary by a moment; search results may do too, a decision never.
        return db.session.execute(stmt, params, bind_arguments={"bind": db.engines["search"]})
    return db.session.execute(stmt, params)


def get_institution(code: str) -> Institution | None:
    """Return one institution by code, or None."""
    return db.session.get(Institution, code)


def validate(filters: SearchFilters) -> SearchFilters:
    """Return the filters normalised (area as a pool, district, query), or raise InvalidSearch."""
    area_code, district_code = _resolve_area(filters.area_code, filters.district_code)
    if filters.service is not None and filters.service not in SERVICES:
        raise InvalidSearch("service", "unknown_service", value=filters.service)
    if filters.disease is not None and not _reference.has_disease(filters.disease):
        raise InvalidSearch("disease", "unknown_disease", value=filters.disease)
    if filters.grade is not None and (isinstance(filters.grade, bool) or filters.grade not in GRADE_LEVELS):
        raise InvalidSearch("grade", "out_of_range", value=filters.grade)
    unknown = [lv for lv in filters.levels if lv not in LEVELS]
    if unknown:
        raise InvalidSearch("levels", "unknown_level", value=unknown[0])
    _check_point(filters.latitude, filters.longitude)
    if filters.sort not in SORTS:
        raise InvalidSearch("sort", "unknown_sort", value=filters.sort)
    if filters.sort == "distance" and filters.latitude is None:
        raise InvalidSearch("sort", "needs_point")
    query = filters.query
    if query is not None:
        query = search_keys.normalise_query(query)
        if not query:
            raise InvalidSearch("query", "empty")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidSearch("query", "too_long", max=MAX_QUERY_CHARS)
    if not 1 <= filters.page <= MAX_PAGE:
        raise InvalidSearch("page", "out_of_range", max=MAX_PAGE)
    if not 1 <= filters.per_page <= MAX_PER_PAGE:
        raise InvalidSearch("per_page", "out_of_range", max=MAX_PER_PAGE)
    return replace(filters, area_code=area_code, district_code=district_code, query=query,
                   levels=tuple(dict.fromkeys(filters.levels)), exclude_codes=tuple(filters.exclude_codes))


def _resolve_area(area_code: str | None, district_code: str | None) -> tuple[str | None, str | None]:
    """Return (pool, district): a city or county given as the area narrows its pool to it."""
    pool = None
    if area_code is not None:
        area = _reference.area(area_code)
        if area is None:
            raise InvalidSearch("area_code", "unknown_area", value=area_code)
        if area.is_pool:
            pool = area.code
        elif area.pool_code is None:
            # A province whose cities pool separately: the person must pick a city.
            raise InvalidSearch("area_code", "not_a_pool", value=area_code)
        else:
            # A Beijing district or a city of Hainan: search its pool, limited to it.
            pool, district_code = area.pool_code, district_code or area.code
    if district_code is not None:
        district = _reference.area(district_code)
        if district is None:
            raise InvalidSearch("district_code", "unknown_area", value=district_code)
        if district.pool_code is None or (pool is not None and district.pool_code != pool):
            raise InvalidSearch("district_code", "not_in_area", value=district_code)
        pool = district.pool_code
        if district.code == pool:
            district_code = None
    return pool, district_code


def _check_point(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise InvalidSearch("longitude" if longitude is None else "latitude", "point_incomplete")
    if latitude is not None and not -90 <= latitude <= 90:
        raise InvalidSearch("latitude", "out_of_range", value=latitude)
    if longitude is not None and not -180 <= longitude <= 180:
        raise InvalidSearch("longitude", "out_of_range", value=longitude)


def search(filters: SearchFilters) -> SearchPage:
    """Return one page of networked institutions matching the filters, in the requested order."""
    f = validate(filters)
    ranks = _allowed_ranks(f)
    offset, need = (f.page - 1) * f.per_page, f.page * f.per_page + 1
    if not ranks:
        rows = []
    elif f.sort == "distance":
        rows = _nearest(f, ranks, need)[offset:]
    elif f.area_code is not None:
        rows = _in_area(f, ranks, offset)
    else:
        rows = _by_level(f, ranks, need)[offset:]
    hits = tuple(_hit(row, f) for row in rows[:f.per_page])
    return SearchPage(hits=hits, page=f.page, per_page=f.per_page, has_more=len(rows) > f.per_page, filters=f)


def _allowed_ranks(f: SearchFilters) -> list[int]:
    allowed = set(LEVELS)
    if f.grade is not None:
        allowed &= set(GRADE_LEVELS[f.grade])
    if f.first_class is True:
        allowed &= set(FIRST_CLASS_LEVELS)
    elif f.first_class is False:
        allowed -= set(FIRST_CLASS_LEVELS)
    if f.levels:
        allowed &= set(f.levels)
    return sorted(search_keys.level_rank(lv) for lv in allowed)


def _conditions(f: SearchFilters, ranks: list[int], *, with_query: bool = True) -> list:
    conds = []
    if len(ranks) < len(LEVELS):
        conds.append(Institution.level_rank.in_(ranks))
    # A bare flag (SQLite renders `net_x = 1`) matches the condition of the per-service
    # partial indexes word for word, which is how both planners recognise them.
    if f.service is not None:
        conds.append(getattr(Institution, f"net_{f.service}"))
    if f.disease is not None:
        conds.append(Institution.net_chronic)
        conds.append(exists().where(
            InstitutionDisease.institution_code == Institution.code, InstitutionDisease.disease_code == f.disease
        ))
    if f.exclude_codes:
        conds.append(Institution.code.not_in(f.exclude_codes))
    if f.query is not None and with_query:
        conds.append(_name_matches(f.query))
    return conds


def _name_matches(query: str):
    families = search_keys.families(query)
    if families == (search_keys.CJK,):
        return Institution.name.contains(query, autoescape=True)
    # Pinyin keys are stored lower case; Latin letters in names match in any case.
    column = {search_keys.CJK: func.lower(Institution.name), search_keys.INITIALS: Institution.name_initials,
              search_keys.PINYIN: Institution.name_pinyin}
    return or_(*(column[family].contains(query, autoescape=True) for family in families))


def _distance_order(f: SearchFilters):
    """Return an equirectangular squared distance in degrees, exact enough to order a city."""
    scale = math.cos(math.radians(f.latitude))
    dy = Institution.latitude - f.latitude
    dx = (Institution.longitude - f.longitude) * scale
    return dy * dy + dx * dx


def _order(f: SearchFilters) -> list:
    if f.sort == "distance":
        return [_distance_order(f).nulls_last(), Institution.code]
    if f.sort == "name":
        return [Institution.name, Institution.code]
    return [Institution.level_rank, Institution.name, Institution.code]


def _area_scope(f: SearchFilters, *, use_index: bool = True) -> list:
    if f.area_code is None:
        return []
    # `|| ''` hides the area index from the planner where a bounding box is far narrower
    # (a province-level pool holds up to 17,000 rows, a box a few hundred).
    column = Institution.area_code if use_index else Institution.area_code + ""
    scope = [column == f.area_code]
    if f.district_code is not None:
        scope.append(Institution.district_code.in_(_district_scope(f.district_code)))
    return scope


def _in_area(f: SearchFilters, ranks: list[int], offset: int) -> list:
    stmt = select(*_COLUMNS).where(*_area_scope(f), *_conditions(f, ranks))
    order = _order(f)
    if f.sort == "name" and db.session.get_bind().dialect.name == "postgresql":
        # An area is small enough to sort; `|| ''` keeps PostgreSQL from walking the national
        # name-order index hoping to meet the area's rows early (p99 282 ms when it did).
        # In level order the area's (area_code, level_rank, name) indexes give the page's
        # rows first: a page reads a few dozen rows, not the area's thousands.
        order = [Institution.name + "", Institution.code]
    stmt = stmt.order_by(*order).offset(offset).limit(f.per_page + 1)
    return _read(stmt).all()


def _district_scope(code: str) -> list[str]:
    """Return the county codes a district filter covers: itself, or a city's counties."""
    children = db.session.scalars(select(Area.code).where(Area.parent_code == code)).all()
    return [code, *children]


def _candidate_areas(query: str, ranks: list[int]) -> dict[int, set[str]]:
    """Return, per level rank, the areas whose name keys allow a match of the query."""
    cells: dict[int, set[str]] = {}
    key = InstitutionNameKey
    for lookup in search_keys.lookups(query):
        if lookup.keys:
            stmt = (select(key.level_rank, key.area_code)
                    .where(key.key.in_(lookup.keys), key.level_rank.in_(ranks))
                    .group_by(key.level_rank, key.area_code)
                    .having(func.count() == len(lookup.keys)))
        else:
            stmt = (select(key.level_rank, key.area_code).distinct()
                    .where(key.key >= lookup.prefix, key.key < lookup.prefix + "\uffff", key.level_rank.in_(ranks)))
        for rank, area in _read(stmt):
            cells.setdefault(rank, set()).add(area)
    return cells


def _by_level(f: SearchFilters, ranks: list[int], need: int) -> list:
    """Read level by level on the (level_rank, name) index, each level only as far as needed."""
    if f.query is not None and f.sort == "level":
        return _by_level_and_area(f.query, _conditions(f, ranks, with_query=False), ranks, need)
    conds = _conditions(f, ranks)
    cells = _candidate_areas(f.query, ranks) if f.query is not None else None
    per_level = []
    got = 0
    for rank in ranks:
        if cells is not None and rank not in cells:
            continue
        stmt = select(*_COLUMNS).where(Institution.level_rank == rank, *conds)
        if cells is not None and len(cells[rank]) <= FEW_AREAS:
            stmt = stmt.where(Institution.area_code.in_(sorted(cells[rank])))
        limit = need - got if f.sort == "level" else need
        rows = _read(stmt.order_by(Institution.name, Institution.code).limit(limit)).all()
        per_level.append(rows)
        got += len(rows)
        if f.sort == "level" and got >= need:
            break
    if f.sort == "level":
        return [row for rows in per_level for row in rows]
    return list(heapq.merge(*per_level, key=lambda row: (row.name, row.code)))[:need]


def _candidate_cells(query: str, ranks: list[int]) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """Yield the (level rank, area) cells whose name keys allow a match, in that order, lazily,
    each with the families (characters, initials, pinyin) whose keys it holds.

    A common query ("yy", 医院) has a candidate in nearly every cell (~2,000); a page
    needs the first few, so each family's cells come from the key index in its own order,
    the first CELL_BATCH of every family in one statement, the rest only when reached.
    A name in a cell can only match in the families the cell is a candidate for (the
    keys of a family are complete), so only those need checking there.
    """
    families, lookups = search_keys.families(query), search_keys.lookups(query)
    contiguous = len(ranks) == ranks[-1] - ranks[0] + 1
    shapes = tuple((len(lookup.keys), contiguous) for lookup in lookups)
    params = {"rank_lo": ranks[0], "rank_hi": ranks[-1], **({} if contiguous else {"ranks": ranks})}
    for i, lookup in enumerate(lookups):
        params.update({f"k{i}_{j}": k for j, k in enumerate(lookup.keys)})
        if not lookup.keys:
            params.update({f"lo{i}": lookup.prefix, f"hi{i}": lookup.prefix + "\uffff"})
    found: list[list[tuple[int, str, str]]] = [[] for _ in lookups]
    for i, rank, area in _read(_first_cells_statement(shapes), params):
        found[i].append((rank, area, families[i]))
    streams = []
    for i, first in enumerate(found):
        first.sort()
        rest = _cells_after(_cells_statement(i, *shapes[i], after=True), params, first[-1]) \
            if len(first) == CELL_BATCH else ()
        streams.append(chain(first, rest))
    cell, holding = None, []
    for rank, area, family in heapq.merge(*streams):
        if (rank, area) != cell:
            if cell is not None:
                yield (*cell, tuple(holding))
            cell, holding = (rank, area), []
        holding.append(family)
    if cell is not None:
        yield (*cell, tuple(holding))


@functools.lru_cache(maxsize=256)
def _first_cells_statement(shapes: tuple[tuple[int, bool], ...]):
    """Return the first CELL_BATCH cells of every lookup, tagged with its position, as one statement.

    Statements are built once per shape (numbers of keys) with bound parameters: building
    and hashing a join of up to 18 key rows cost more than running it.
    """
    key = InstitutionNameKey
    firsts = [select(literal(i).label("lookup"), part.c.level_rank, part.c.area_code)
              for i, shape in enumerate(shapes)
              for part in [_cells_statement(i, *shape).order_by(key.level_rank, key.area_code)
                           .limit(CELL_BATCH).subquery()]]
    return firsts[0] if len(firsts) == 1 else union_all(*firsts)


@functools.lru_cache(maxsize=256)
def _cells_statement(i: int, n_keys: int, contiguous: bool, *, after: bool = False):
    """Return the (level_rank, area_code) cells holding lookup i's keys (n_keys, or a prefix range)."""
    key = InstitutionNameKey
    # A range keeps the key index's (key, level_rank, area_code) order usable; IN would not.
    scope = [key.level_rank.between(bindparam("rank_lo"), bindparam("rank_hi"))]
    if not contiguous:
        scope.append(key.level_rank.in_(bindparam("ranks", expanding=True)))
    if after:
        scope.append(tuple_(key.level_rank, key.area_code) > tuple_(bindparam("after_rank"), bindparam("after_area")))
    if not n_keys:
        stmt = (select(key.level_rank, key.area_code).distinct()
                .where(key.key >= bindparam(f"lo{i}"), key.key < bindparam(f"hi{i}"), *scope))
    else:
        # Every key must occur in the cell: join the other keys' rows of the same cell.
        stmt = select(key.level_rank, key.area_code).where(key.key == bindparam(f"k{i}_0"), *scope)
        for j in range(1, n_keys):
            alias = aliased(InstitutionNameKey)
            stmt = stmt.join(alias, and_(alias.key == bindparam(f"k{i}_{j}"), alias.level_rank == key.level_rank,
                                         alias.area_code == key.area_code))
    return stmt.order_by(key.level_rank, key.area_code) if after else stmt


def _cells_after(stmt, params: dict, last: tuple[int, str, str]) -> Iterator[tuple[int, str, str]]:
    """Yield the cells of a statement after `last`, read when first asked for."""
    for rank, area in _read(stmt, {**params, "after_rank": last[0], "after_area": last[1]}):
        yield rank, area, last[2]


def _by_level_and_area(query: str, conds: list, ranks: list[int], need: int) -> list:
    """Read a name query's candidate (level, area) cells in order, each on the area index.

    Within a level the order is area, then name: a whole level in name order can hold
    hundreds of thousands of rows with the matches far apart, while a candidate cell
    (its name keys contain the query's) holds a few hundred rows and, for a two-character
    query, surely a match. The (area_code, level_rank, name, code, name_initials) index
    holds a cell in page order with what a character or initials query checks, so the
    codes of a cell's matches come from the index alone; then only those rows are read.
    Cells are read 1, 2, 4 ... at a time (never more than the rows still missing), one
    statement per batch, so a rare query that finds a row or two per cell does not pay a
    round trip per cell.
    """
    rows: list = []
    cells = _candidate_cells(query, ranks)
    size = 1
    while len(rows) < need:
        batch = list(islice(cells, min(size, need - len(rows))))
        if not batch:
            break
        params = {"pattern": "%" + _escape_like(query) + "%", "limit": need - len(rows)}
        for n, (rank, area, _families) in enumerate(batch):
            params.update({f"rank{n}": rank, f"area{n}": area})
        shape = (search_keys.families(query) == (search_keys.CJK,), tuple(families for _r, _a, families in batch))
        # Filters besides the name (service, disease, ...) are rare here: build those afresh.
        stmt = _build_cells_rows_statement(*shape, conds) if conds else _cells_rows_statement(*shape)
        rows += _read(stmt, params).all()
        size *= 2
    return rows[:need]


def _escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


@functools.lru_cache(maxsize=1024)
def _cells_rows_statement(cjk_only: bool, cells: tuple[tuple[str, ...], ...]):
    return _build_cells_rows_statement(cjk_only, cells, [])


def _build_cells_rows_statement(cjk_only: bool, cells: tuple[tuple[str, ...], ...], conds: list):
    """Return the rows of a batch of cells whose names match `:pattern`, at most `:limit` per cell."""
    column = {search_keys.CJK: Institution.name if cjk_only else func.lower(Institution.name),
              search_keys.INITIALS: Institution.name_initials, search_keys.PINYIN: Institution.name_pinyin}
    parts = [select(Institution.code)
             .where(Institution.area_code == bindparam(f"area{n}"), Institution.level_rank == bindparam(f"rank{n}"),
                    or_(*(column[family].like(bindparam("pattern"), escape="/") for family in families)), *conds)
             .order_by(Institution.name, Institution.code).limit(bindparam("limit"))
             for n, families in enumerate(cells)]
    codes = parts[0] if len(parts) == 1 else union_all(*(select(part.subquery().c.code) for part in parts))
    return (select(*_COLUMNS).where(Institution.code.in_(codes))
            .order_by(Institution.level_rank, Institution.area_code, Institution.name, Institution.code))


def _nearest(f: SearchFilters, ranks: list[int], need: int) -> list:
    """Return the nearest rows: in a name query's few candidate areas, else in growing boxes.

    Boxes help inside an area too: a big city holds 10,000 rows, a box a few hundred.
    """
    conds = _conditions(f, ranks)
    order = _order(f)
    if f.query is not None and f.area_code is None:
        areas = set().union(*_candidate_areas(f.query, ranks).values())
        if len(areas) <= FEW_AREAS:
            stmt = select(*_COLUMNS).where(Institution.area_code.in_(sorted(areas)), *conds)
            return _read(stmt.order_by(*order).limit(need)).all()
    distance = _distance_order(f)
    scale = max(math.cos(math.radians(f.latitude)), 0.01)
    for degrees in BOX_DEGREES:
        box = and_(
            Institution.latitude.between(f.latitude - degrees, f.latitude + degrees),
            Institution.longitude.between(f.longitude - degrees / scale, f.longitude + degrees / scale),
            distance <= degrees * degrees,
        )
        stmt = select(*_COLUMNS).where(box, *conds, *_area_scope(f, use_index=False))
        rows = _read(stmt.order_by(*order).limit(need)).all()
        # Rows inside the circle are certain to be the nearest ones only when the page is full.
        if len(rows) >= need:
            return rows
    stmt = select(*_COLUMNS).where(*conds, *_area_scope(f))
    return _read(stmt.order_by(*order).limit(need)).all()


def _hit(row, f: SearchFilters) -> Hit:
    services = tuple(s for s in SERVICES if getattr(row, f"net_{s}"))
    distance = None
    if f.latitude is not None and row.latitude is not None and row.longitude is not None:
        distance = round(haversine_km(f.latitude, f.longitude, row.latitude, row.longitude), 3)
    return Hit(code=row.code, name=row.name, area_code=row.area_code, district_code=row.district_code,
               level=row.level, kind=row.kind, services=services, latitude=row.latitude,
               longitude=row.longitude, distance_km=distance)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
