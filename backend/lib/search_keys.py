"""Coarse name-search keys: which n-grams occur in the names of an area at a level.

A global name search must not scan 650,000 names. A full inverted index (one row per
n-gram per institution, ~15 million rows) took two minutes to build and 450 MB, and an
FTS5 table (with its shadow tables) or a tsvector expression index cannot give SQLite
and PostgreSQL the same schema, which tests/services/test_migrations.py requires. These
keys record instead, for every (n-gram, level, co-ordination area), that at least one
name there contains the n-gram: ~870,000 rows (18 MB) for 650,000 generated names, at
most ~2,800 per key. A query first finds the (level, area) cells that hold all of its
n-grams, then checks names with LIKE only in those cells. Stale keys (after a rename)
make the candidate set larger, never wrong, because every candidate is rechecked.
"""
from __future__ import annotations

from dataclasses import dataclass

# Level order for sorting: 3A first ... unrated last.
LEVEL_RANK = {"3A": 0, "3B": 1, "3": 2, "2A": 3, "2": 4, "1": 5, "none": 6}
END = "$"  # marks the end of a name so a query shorter than an n-gram can use a prefix range
CJK, INITIALS, PINYIN = "c", "i", "p"
# Key prefix -> (family, n-gram size). Initials have both sizes: their alphabet is small,
# so bigrams alone would put most areas in the candidate set of a 3-4 letter query.
KINDS = {"c": (CJK, 2), "i": (INITIALS, 2), "j": (INITIALS, 3), "p": (PINYIN, 3)}
MAX_KEYS_PER_QUERY = 6


def level_rank(level: str) -> int:
    """Return the sort rank of an institution level (unknown levels sort last)."""
    return LEVEL_RANK.get(level, LEVEL_RANK["none"])


def _grams(text: str, size: int) -> set[str]:
    text += END
    return {text[i:i + size] for i in range(max(1, len(text) - size + 1))}


def name_keys(name: str, name_pinyin: str, name_initials: str) -> set[str]:
    """Return the keys of one name: character bigrams, initials bi- and trigrams, pinyin trigrams."""
    text = {CJK: name.lower(), INITIALS: name_initials, PINYIN: name_pinyin}
    keys = set()
    for prefix, (family, size) in KINDS.items():
        keys.update(prefix + g for g in _grams(text[family], size))
    return keys


@dataclass(frozen=True)
class KeyLookup:
    """How to find candidate cells for one reading of a query.

    Either every key in `keys` must occur in the cell, or (a query shorter than the
    n-gram) some key in the range [prefix, prefix + U+FFFF) must.
    """

    keys: tuple[str, ...] = ()
    prefix: str | None = None


def normalise_query(query: str) -> str:
    """Return the query as matched: trimmed; Latin text lower case without spaces."""
    text = " ".join(query.split())
    return text.replace(" ", "").lower() if text.isascii() else text


def families(query: str) -> tuple[str, ...]:
    """Return what a normalised query may match: characters; initials; full pinyin (3+ letters).

    Two letters are read as initials ("xh"), never as a piece of full pinyin, which
    would match nearly every name ("an", "ng").
    """
    if not query.isascii():
        return (CJK,)
    return (CJK, INITIALS, PINYIN) if len(query) >= 3 else (CJK, INITIALS)


def lookups(query: str) -> list[KeyLookup]:
    """Return the alternative key lookups for a normalised query (a name matches any one)."""
    found = []
    for family in families(query):
        text = query.lower() if family == CJK else query
        # The longest n-gram of the family that fits the query narrows best.
        sizes = sorted(((size, prefix) for prefix, (fam, size) in KINDS.items() if fam == family), reverse=True)
        size, prefix = next(((z, p) for z, p in sizes if z <= len(text)), sizes[-1])
        if len(text) < size:
            found.append(KeyLookup(prefix=prefix + text))
            continue
        grams = sorted({text[i:i + size] for i in range(len(text) - size + 1)})
        # A few n-grams narrow enough; every candidate is rechecked with LIKE anyway.
        step = max(1, len(grams) // MAX_KEYS_PER_QUERY)
        found.append(KeyLookup(keys=tuple(prefix + g for g in grams[::step][:MAX_KEYS_PER_QUERY])))
    return found
