"""The index of institution names and aliases the conversation finds hospitals with (dialogs/nlu_institutions).

Built from the institutions table and kept in the reference cache (reference_cache.py): rebuilt after an
import in this process and, for imports made by another process, after REFERENCE_CACHE_TTL seconds.
"""
from __future__ import annotations

from sqlalchemy import select

from dialogs.nlu_institutions import InstitutionNames
from backend.extensions import db
from backend.lib import pinyin
from backend.models import Institution
from backend.services.dialog import reference_cache

def names_index() -> InstitutionNames:
    """Return the name index for the current database (from the reference cache)."""
    return reference_cache.cached("institution_names", _build)


def _build() -> InstitutionNames:
    rows = db.session.execute(select(Institution.code, Institution.name, Institution.area_code,
                                     Institution.district_code, Institution.level, Institution.aliases))
    return InstitutionNames((code, name, area, district, level, _with_latin((aliases or "").split(";")))
                            for code, name, area, district, level, aliases in rows)


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
    reference_cache.forget("institution_names")
