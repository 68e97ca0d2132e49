"""Turn request data (dates inside dicts and lists) into plain JSON values."""
from __future__ import annotations


def jsonable(value):
    """Return value with dates and datetimes as ISO strings, tuples as lists, recursively."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value
