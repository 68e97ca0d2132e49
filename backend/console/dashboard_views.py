"""The dashboard: figures and server-rendered SVG charts, and the same figures as CSV."""
from __future__ import annotations

from flask import Response, g, render_template, request

from backend.console import charts
from backend.console.base import bp
from backend.services.console import dashboard


def _args() -> tuple[str | None, int]:
    days = request.args.get("days", "30")
    return (request.args.get("area") or None), (int(days) if days.isdigit() else 30)


@bp.route("/dashboard")
def dashboard_page():
    """Show filings per day, automatic share, time to decision, queue age and top reasons, per area."""
    area, days = _args()
    board = dashboard.build(g.staff, area=area, days=days)
    return render_template("console/dashboard.html", board=board, days=days,
                           daily_chart=charts.stacked_days(board.days),
                           age_chart=charts.bars(board.queue_ages),
                           refusal_chart=charts.bars([(label, n) for _, label, n in board.refusals], horizontal=True),
                           failure_chart=charts.bars([(label, n) for _, label, n in board.handoff_failures],
                                                        horizontal=True))


@bp.route("/dashboard.csv")
def dashboard_csv():
    """Download the dashboard figures as CSV."""
    area, days = _args()
    board = dashboard.build(g.staff, area=area, days=days)
    name = f"dashboard-{area or 'all'}-{board.start.isoformat()}-{board.end.isoformat()}.csv"
    # A byte-order mark so Excel opens the Chinese area names as UTF-8.
    return Response("\ufeff" + dashboard.daily_csv(board), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
