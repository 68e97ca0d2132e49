"""The index of institution names and aliases the conversation finds hospitals with (dialogs/nlu_institutions).

Built from the institutions table once per process and database, rebuilt after an import in this
process and, for imports made by another process, after INSTITUTION_NAMES_TTL seconds.
"""
from __future__ import annotations

import threading
import time

from flask import current_app
from sqlalchemy import select

from dialogs.nlu_institutions import InstitutionNames
from backend.extensions import db
from backend.lib import pinyin
from backend.models import Institution

_lock = threading.Lock()
_cache: dict[str, tuple[float, InstitutionNames]] = {}


def names_index() -> InstitutionNames:
    """Return the name index for the current database (built at most once per TTL)."""
    key = str(db.engine.url)
    ttl = float(current_app.config.get("INSTITUTION_NAMES_TTL", 600))
    found = _cache.get(key)
    now = time.monotonic()
    if found is not None and now - found[0] < ttl:
        return found[1]
    with _lock:
        found = _cache.get(key)
        if found is not None and now - found[0] < ttl:
            return found[1]
        rows = db.session.execute(select(Institution.code, Institution.name, Institution.area_code,
                                         Institution.district_code, Institution.level, Institution.aliases))
        index = InstitutionNames((code, name, area, district, level, _with_latin((aliases or "").split(";")))
                                 for code, name, area, district, level, aliases in rows)
        _cache[key] = (time.monotonic(), index)
        return index


def _with_latin(aliases: list[str]) -> list[str]:
    """Add what an English speaker types for a short name: 瑞金医院 -> "ruijin hospital"."""
    out = list(aliases)
    for alias in aliases:
        alias = alias.strip()
        if alias.endswith("医院") and len(alias) >= 4 and alias[0] not in "市省区县":
            syllables = [pinyin.keys(ch)[0] for ch in alias[:-2]]
            if all(syllables):
                out.append("".join(syllables) + " hospital")
                if len(syllables) >= 2 and len("".join(syllables)) >= 5:
                    out.append("".join(syllables))  # "I told you, Ruijin"
                if len(syllables) >= 4 and len(syllables) % 2 == 0:  # "beida shenzhen hospital"
                    out.append(" ".join("".join(syllables[i:i + 2]) for i in range(0, len(syllables), 2))
                               + " hospital")
    return out


def forget() -> None:
    """Drop the index (after an import), so the next turn sees the new names."""
    with _lock:
        _cache.clear()
