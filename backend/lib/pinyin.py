"""Pinyin search keys for Chinese names (full pinyin and initials)."""
from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def keys(text: str) -> tuple[str, str]:
    """Return (full pinyin without spaces, initials) in lower case for text."""
    syllables = [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore")]
    return "".join(syllables), "".join(s[0] for s in syllables if s)
