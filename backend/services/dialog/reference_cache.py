"""The one cache of reference data the conversation reads on every turn: areas, diseases, institution names.

Each entry is built from the database once per process and database, and built again after
REFERENCE_CACHE_TTL seconds, so an area, disease or institution imported by another process (or another
instance) reaches the chat within that time without a restart; an import in this process forgets the
entry at once. A thread that finds an entry expired builds it while the others keep reading the old one.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

from flask import current_app

from backend.extensions import db

T = TypeVar("T")
_lock = threading.Lock()
_entries: dict[tuple[str, str], tuple[float, object]] = {}


def cached(name: str, build: Callable[[], T]) -> T:
    """Return the entry `name` for the current database, building it when absent or older than the TTL."""
    key = (name, str(db.engine.url))
    ttl = float(current_app.config["REFERENCE_CACHE_TTL"])
    found = _entries.get(key)
    if found is not None and time.monotonic() - found[0] < ttl:
        return found[1]
    with _lock:
        found = _entries.get(key)
        if found is not None and time.monotonic() - found[0] < ttl:
            return found[1]
        value = build()
        _entries[key] = (time.monotonic(), value)
        return value


def forget(*names: str) -> None:
    """Drop entries (all when no name is given) so the next read builds them from the database."""
    with _lock:
        for key in [k for k in _entries if not names or k[0] in names]:
            del _entries[key]
