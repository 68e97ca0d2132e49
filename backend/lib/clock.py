"""The service's notion of now and today (China Standard Time), controllable in tests."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

# Filing dates are calendar dates in China; UTC+8 has no daylight saving.
CHINA = timezone(timedelta(hours=8), "CST")
_frozen: datetime | None = None


def now() -> datetime:
    """Return the current time, timezone-aware."""
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def today() -> date:
    """Return today's date in China."""
    return now().astimezone(CHINA).date()


@contextmanager
def frozen(at: datetime | date):
    """Freeze now() and today() (tests only)."""
    global _frozen
    previous = _frozen
    if not isinstance(at, datetime):
        at = datetime(at.year, at.month, at.day, 10, 0, tzinfo=CHINA)
    _frozen = at
    try:
        yield
    finally:
        _frozen = previous
