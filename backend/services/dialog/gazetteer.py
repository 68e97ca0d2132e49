"""The area gazetteer the conversation reads places with, and area names as replies show them.

Built from the areas table (the NLU needs all ~3,200 areas in memory) and kept in the reference cache
(reference_cache.py: rebuilt after REFERENCE_CACHE_TTL seconds, or at once after an import here).
"""
from __future__ import annotations

from sqlalchemy import select

from backend.extensions import db
from backend.models import Area
from backend.services.dialog import reference_cache
from dialogs import nlu


def _build() -> nlu.Gazetteer:
    rows = db.session.execute(select(Area.code, Area.name, Area.short_name, Area.pool_code, Area.level,
                                     Area.province_code)).all()
    return nlu.Gazetteer(
        nlu.AreaEntry(code=r.code, name=r.name, short_name=r.short_name, pool_code=r.pool_code or "",
                      level=r.level, province_code=r.province_code)
        for r in rows
    )


def gazetteer() -> nlu.Gazetteer:
    """Return the area gazetteer of the current database (from the reference cache)."""
    return reference_cache.cached("areas", _build)


def area_name(code: str | None, lang: str = "zh_CN") -> str:
    """Return an area's name as a reply shows it (深圳市; "Shenzhen" in English): one home for the chat."""
    return gazetteer().display_name(code, lang) if code else ""
