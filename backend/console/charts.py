"""Geometry for the dashboard's server-rendered SVG charts (plain values in, shapes out; no JavaScript)."""
from __future__ import annotations

from dataclasses import dataclass, field

from dialogs.prompts.catalogue import both

WIDTH, HEIGHT = 720, 220
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 40, 28, 12
# Colour-blind-safe pair and a neutral for "still pending" (Okabe–Ito palette).
SERIES = tuple((key, both("console", f"series_{key}"), colour)
               for key, colour in (("auto", "#0072B2"), ("staff", "#E69F00"), ("pending", "#999999")))


@dataclass
class Chart:
    width: int
    height: int
    rects: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    grid: list[dict] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    empty: bool = False


def _nice_step(value: float) -> float:
    """Round a step up to 1, 2 or 5 times a power of ten (at least 1: counts are whole)."""
    if value <= 1:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _nice_max(value: float) -> float:
    """Return an axis maximum of four whole, round steps covering value (0, 1, 2, 3, 4 for 3)."""
    return 4 * _nice_step(value / 4)


def _grid(chart: Chart, top: float, plot_h: float, y0: float) -> None:
    for i in range(5):
        value = top * i / 4
        y = y0 - plot_h * i / 4
        chart.grid.append({"y": round(y, 1), "x1": PAD_LEFT, "x2": chart.width - 8,
                           "label": f"{value:g}" if value < 1000 else f"{value / 1000:g}k"})


def stacked_days(days) -> Chart:
    """Return stacked bars per day: decided automatically, by staff, still pending."""
    chart = Chart(WIDTH, HEIGHT, legend=[(label, colour) for _, label, colour in SERIES])
    totals = [d.auto + d.staff + d.pending for d in days]
    top = _nice_max(max(totals, default=0))
    chart.empty = not any(totals)
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    y0 = HEIGHT - PAD_BOTTOM
    _grid(chart, top, plot_h, y0)
    step = plot_w / max(1, len(days))
    for i, d in enumerate(days):
        x, y = PAD_LEFT + i * step + step * 0.15, y0
        for key, label, colour in SERIES:
            value = getattr(d, key)
            h = plot_h * value / top
            if value:
                chart.rects.append({"x": round(x, 1), "y": round(y - h, 1), "w": round(step * 0.7, 1),
                                    "h": round(h, 1), "fill": colour,
                                    "title": f"{d.day.isoformat()} {label}: {value}"})
            y -= h
        if len(days) <= 10 or i % max(1, len(days) // 8) == 0:
            chart.labels.append({"x": round(x + step * 0.35, 1), "y": HEIGHT - 10, "text": d.day.strftime("%m-%d"),
                                 "anchor": "middle"})
    return chart


def bars(items: list[tuple[str, int]], *, horizontal: bool = False) -> Chart:
    """Return simple bars for (label, count) pairs; horizontal bars suit long reason labels."""
    if horizontal:
        row = 26
        height = max(60, row * len(items) + 16)
        chart = Chart(WIDTH, height, empty=not items)
        top = _nice_max(max((n for _, n in items), default=0))
        label_w, plot_w = 300, WIDTH - 300 - 60
        for i, (label, n) in enumerate(items):
            y = 8 + i * row
            w = plot_w * n / top
            chart.rects.append({"x": label_w, "y": y, "w": round(w, 1), "h": row - 8, "fill": "#0072B2",
                                "title": f"{label}: {n}"})
            chart.labels.append({"x": label_w - 6, "y": y + row / 2, "text": str(label)[:34], "anchor": "end"})
            chart.labels.append({"x": round(label_w + w + 6, 1), "y": y + row / 2, "text": str(n), "anchor": "start"})
        return chart
    chart = Chart(WIDTH // 2, HEIGHT, empty=not any(n for _, n in items))
    top = _nice_max(max((n for _, n in items), default=0))
    plot_w, plot_h = chart.width - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    y0 = HEIGHT - PAD_BOTTOM
    _grid(chart, top, plot_h, y0)
    step = plot_w / max(1, len(items))
    for i, (label, n) in enumerate(items):
        h = plot_h * n / top
        x = PAD_LEFT + i * step + step * 0.15
        chart.rects.append({"x": round(x, 1), "y": round(y0 - h, 1), "w": round(step * 0.7, 1), "h": round(h, 1),
                            "fill": "#E69F00", "title": f"{label}: {n}"})
        chart.labels.append({"x": round(x + step * 0.35, 1), "y": HEIGHT - 10, "text": label, "anchor": "middle"})
    return chart
