"""Search networked institutions at national scale, with the database doing the filtering.

Contract (used by the API, the explanations and the dialog flow):
    search(SearchFilters) -> SearchPage
    get_institution(code) -> Institution | None
"""
from __future__ import annotations

from dataclasses import dataclass, field

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


def search(filters):  # placeholder while the engine is written
    raise NotImplementedError


def get_institution(code):
    raise NotImplementedError
