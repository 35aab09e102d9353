"""Plotly figures of the Models page, as plain figure dicts."""

from collections import defaultdict
from datetime import timedelta

from apps.calibration.metrics import METRICS

THRESHOLD_COLOUR = "#b3261e"
FONT = {"family": "system-ui, sans-serif", "size": 12}
PALETTE = ("#1f4e79", "#2e7d32", "#b26a00", "#6a3d9a", "#00838f", "#ad1457", "#5d4037")


# When a version's checked figures are first settled, after apps.calibration.rounds: the
# labour forecasts are of the next hour, the demand ones of the next 24 h, payroll is
# checked every round, and transit, complaints and lead times in the midnight round only.
FIRST_CHECKED = {
    "demand": "about a day of event time after it was fitted (its forecasts are of the next 24 h)",
    "labour": "about an event-hour after it was fitted (its forecasts are of the next hour)",
    "finance": "at the first hourly round after it was fitted, once a payroll posting arrives",
    "logistics": "at the first event-time midnight after it was fitted",
    "customer": "at the first event-time midnight after it was fitted",
    "supply": "at the first event-time midnight after it was fitted",
}


def no_chart_text(sub_model: str) -> str:
    """What stands where the error chart would be, before anything is settled."""
    when = FIRST_CHECKED.get(sub_model, "after it was fitted")
    return f"No settled predictions of this version yet: the first are checked {when}."


def error_chart(label: str, predictions, settings_row, recalibrations) -> dict | None:
    """Rolling pooled error of each checked figure over time, against ± the threshold; None
    when nothing is settled yet (empty axes would say nothing)."""
    window = timedelta(hours=settings_row.window_hours)
    threshold = settings_row.threshold_pct
    series: dict[tuple[str, str], list] = defaultdict(list)
    for p in predictions:
        series[(p.metric, p.subject)].append(p)
    traces = []
    for i, ((metric, subject), items) in enumerate(sorted(series.items())):
        xs, ys = _rolling_error(items, window)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{subject} {METRICS[metric].label}",
                "x": xs,
                "y": ys,
                "line": {"color": PALETTE[i % len(PALETTE)], "width": 1.5},
            }
        )
    if not any(trace["x"] for trace in traces):
        return None
    return {
        "data": traces,
        "layout": {
            "title": {
                "text": f"{label}: rolling error (bias, %) vs ±{threshold:g}% threshold",
                "font": {"size": 13},
            },
            "font": FONT,
            "height": 260,
            "margin": {"l": 50, "r": 10, "t": 36, "b": 36},
            "yaxis": {"ticksuffix": "%", "zeroline": True},
            "xaxis": {"type": "date", "tickformat": "%d %b %H:%M"},
            "legend": {"orientation": "h", "y": -0.25, "font": {"size": 10}},
            "shapes": _threshold_and_recalibration_lines(threshold, recalibrations),
        },
    }


def _rolling_error(items: list, window: timedelta) -> tuple[list[str], list[float]]:
    """The pooled error (bias, %) of the predictions settled in the window ending at each."""
    xs, ys = [], []
    start = 0
    for end, p in enumerate(items):
        while items[start].period_end <= p.period_end - window:
            start += 1
        span = items[start : end + 1]
        scale = sum(q.weight * abs(q.actual) for q in span)
        if scale:
            xs.append(p.period_end.isoformat())
            ys.append(
                round(100 * sum(q.weight * (q.predicted - q.actual) for q in span) / scale, 2)
            )
    return xs, ys


def _threshold_and_recalibration_lines(threshold: float, recalibrations) -> list[dict]:
    shapes = [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": y,
            "y1": y,
            "line": {"color": THRESHOLD_COLOUR, "dash": "dash", "width": 1.5},
        }
        for y in (threshold, -threshold)
    ]
    shapes += [
        {
            "type": "line",
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "x0": r.at.isoformat(),
            "x1": r.at.isoformat(),
            "line": {"color": "#555", "dash": "dot", "width": 1},
        }
        for r in recalibrations
    ]
    return shapes
