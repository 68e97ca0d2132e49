"""Dashboard figures: filings per day, automatic share, time to decision, queue age, top reasons, per area."""
from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import Filing, StaffUser
from backend.services.filing.handoff import FAILURE_KINDS, failure_kind
from backend.services.console.review import CHECK_LABELS, area_names
from backend.services.console.review_reasons import REASONS
from backend.services.console.staff_accounts import require, visible_areas

AGE_BUCKETS = ((0, 24, "<1天 day"), (24, 48, "1–2天"), (48, 72, "2–3天"), (72, 168, "3–7天"), (168, None, ">7天"))
MAX_DAYS = 366


@dataclass
class DayRow:
    day: date
    filed: int = 0
    auto: int = 0
    staff: int = 0
    pending: int = 0
    approved: int = 0
    rejected: int = 0
    minutes: list[float] = field(default_factory=list)


@dataclass
class Summary:
    filed: int
    decided: int
    auto_share: float | None
    median_minutes: float | None
    p90_minutes: float | None
    staff_median_minutes: float | None
    staff_p90_minutes: float | None
    pending: int
    oldest_hours: float | None


@dataclass
class Dashboard:
    start: date
    end: date
    area: str | None
    areas: list[tuple[str, str]]
    days: list[DayRow]
    summary: Summary
    queue_ages: list[tuple[str, int]]
    refusals: list[tuple[str, str, int]]
    handoff_failures: list[tuple[str, str, int]]
    per_area: list[tuple[str, str, Summary]]


def percentile(values: list[float], p: float) -> float | None:
    """Return the p-th percentile with linear interpolation, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _summary(rows, pending_ages: list[float]) -> Summary:
    decided = [r for r in rows if r.decided_at is not None and r.decision_mode]
    minutes = [(r.decided_at - r.submitted_at).total_seconds() / 60 for r in decided]
    staff = [(r.decided_at - r.submitted_at).total_seconds() / 60 for r in decided if r.decision_mode == "staff"]
    auto = sum(1 for r in decided if r.decision_mode == "auto")
    return Summary(len(rows), len(decided), auto / len(decided) if decided else None,
                   percentile(minutes, 50), percentile(minutes, 90), percentile(staff, 50), percentile(staff, 90),
                   len(pending_ages), max(pending_ages) if pending_ages else None)


def _reason_label(code: str | None) -> str:
    if code in REASONS:
        return f"{code}: {REASONS[code][1][:24]}…"
    return CHECK_LABELS.get(code or "", code or "-")


def build(staff: StaffUser, *, area: str | None = None, days: int = 30, end: date | None = None) -> Dashboard:
    """Compute the dashboard over the last `days` days (China dates) for the areas a staff member sees."""
    scope = visible_areas(staff)
    if area:
        require(scope is None or area in scope, area=area)
    days = max(1, min(days, MAX_DAYS))
    end = end or clock.today()
    start = end - timedelta(days=days - 1)
    since = datetime.combine(start, time(0), tzinfo=clock.CHINA)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=clock.CHINA)
    conditions = []
    if area:
        conditions.append(Filing.insured_area_code == area)
    elif scope is not None:
        conditions.append(Filing.insured_area_code.in_(scope or ["-"]))
    rows = db.session.execute(
        select(Filing.insured_area_code, Filing.submitted_at, Filing.decided_at, Filing.decision_mode, Filing.status,
               Filing.decision_reason, Filing.handoff_status, Filing.handoff_detail)
        .where(Filing.submitted_at >= since, Filing.submitted_at < until, *conditions)
    ).all()
    pending = db.session.execute(
        select(Filing.insured_area_code, Filing.submitted_at).where(Filing.status == "pending_review", *conditions)
    ).all()
    now = clock.now()
    by_day = {start + timedelta(days=i): DayRow(start + timedelta(days=i)) for i in range(days)}
    for r in rows:
        day = by_day.get(r.submitted_at.astimezone(clock.CHINA).date())
        if day is None:
            continue
        day.filed += 1
        day.auto += r.decision_mode == "auto"
        day.staff += r.decision_mode == "staff"
        day.pending += r.status == "pending_review"
        day.approved += r.status == "approved"
        day.rejected += r.status == "rejected"
        if r.decided_at is not None:
            day.minutes.append((r.decided_at - r.submitted_at).total_seconds() / 60)
    ages = [(now - p.submitted_at).total_seconds() / 3600 for p in pending]
    buckets = [(label, sum(1 for a in ages if a >= low and (high is None or a < high))) for low, high, label in AGE_BUCKETS]
    refusals = Counter(r.decision_reason for r in rows if r.status == "rejected")
    failures = Counter(failure_kind(r.handoff_detail) for r in rows if r.handoff_status == "failed")
    rows_by_area, ages_by_area = defaultdict(list), defaultdict(list)
    for r in rows:
        rows_by_area[r.insured_area_code].append(r)
    for p in pending:
        ages_by_area[p.insured_area_code].append((now - p.submitted_at).total_seconds() / 3600)
    codes = sorted(set(rows_by_area) | set(ages_by_area) | set(scope or []))
    names = area_names(codes)
    return Dashboard(
        start=start, end=end, area=area,
        areas=[(c, names.get(c, c)) for c in (scope if scope is not None else codes)],
        days=list(by_day.values()), summary=_summary(rows, ages), queue_ages=buckets,
        # Most frequent first, ties by code: the rows come back in no particular order (PostgreSQL moves
        # an updated row), and the board and the CSV must not reorder themselves between two looks.
        refusals=[(code or "-", _reason_label(code), n) for code, n in _most_common(refusals)],
        handoff_failures=[(kind, FAILURE_KINDS[kind], n) for kind, n in _most_common(failures)],
        per_area=[(c, names.get(c, c), _summary(rows_by_area[c], ages_by_area[c])) for c in codes],
    )


def _most_common(counts: Counter, n: int = 8) -> list[tuple]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0] or ""))[:n]


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def daily_csv(board: Dashboard) -> str:
    """Return the per-day figures as CSV (one row per day)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "area", "filed", "decided_auto", "decided_staff", "pending_review", "approved",
                     "rejected", "median_minutes_to_decision", "p90_minutes_to_decision"])
    for d in board.days:
        writer.writerow([d.day.isoformat(), board.area or "all", d.filed, d.auto, d.staff, d.pending, d.approved,
                         d.rejected, _fmt(percentile(d.minutes, 50)), _fmt(percentile(d.minutes, 90))])
    writer.writerow([])
    writer.writerow(["area", "area_name", "filed", "decided", "auto_share", "median_minutes", "p90_minutes",
                     "staff_median_minutes", "staff_p90_minutes", "pending_review", "oldest_pending_hours"])
    for code, name, s in board.per_area:
        writer.writerow([code, name, s.filed, s.decided, "" if s.auto_share is None else f"{s.auto_share:.3f}",
                         _fmt(s.median_minutes), _fmt(s.p90_minutes), _fmt(s.staff_median_minutes),
                         _fmt(s.staff_p90_minutes), s.pending, _fmt(s.oldest_hours)])
    writer.writerow([])
    writer.writerow(["kind", "reason", "count", "label"])
    for code, label, n in board.refusals:
        writer.writerow(["refusal", code, n, label])
    for kind, label, n in board.handoff_failures:
        writer.writerow(["settlement_handoff_failure", kind, n, label])
    return out.getvalue()
