"""Plotly figure of a decision's tracking: the predicted band per DC, day by day, and the
actual days on it."""

from apps.decisions.tracking import KpiTrack, TrackingReport
from apps.scenarios.charts import panel_axes, panel_grid_layout


def tracking_figure(report: TrackingReport) -> dict:
    """One panel per DC: the band each day of the horizon is held against, and the settled
    days so far."""
    traces = []
    for panel, track in enumerate(report.daily, start=1):
        axes = panel_axes(panel)
        bands = [(day + 1, band) for day, band in enumerate(track.bands) if band]
        days = [d for d, _ in bands]
        traces += [
            {
                "type": "scatter",
                "mode": "lines",
                "x": days,
                "line": {"width": 0},
                "y": [round(100 * b.low, 1) for _, b in bands],
                "hoverinfo": "skip",
                **axes,
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": days,
                "fill": "tonexty",
                "fillcolor": "rgba(31,78,121,0.15)",
                "line": {"width": 0},
                "name": "predicted band",
                "y": [round(100 * b.high, 1) for _, b in bands],
                **axes,
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": days,
                "name": "predicted mean",
                "y": [round(100 * b.mean, 1) for _, b in bands],
                "line": {"color": "#1f4e79", "dash": "dot", "width": 1.5},
                **axes,
            },
        ]
        traces.append(_actual_days(track, axes))
    layout = panel_grid_layout(
        "Labour utilisation: predicted 95% band and the actual days",
        [f"{track.label}: day after execution" for track in report.daily],
        yaxis={"ticksuffix": "%", "rangemode": "tozero"},
    )
    layout["showlegend"] = False
    for key, axis in layout.items():
        if key.startswith("xaxis"):
            axis["dtick"] = 1  # whole days
    return {"data": traces, "layout": layout}


def _actual_days(track: KpiTrack, axes: dict) -> dict:
    """The settled days of one DC, green inside the band, red outside."""
    actual = [d for d in track.days if d.actual is not None]
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "actual",
        "x": [d.day for d in actual],
        "y": [round(100 * d.actual, 1) for d in actual],
        "marker": {
            "size": 9,
            # A day with no predicted band to hold it against is neither in nor out.
            "color": [
                "#777777" if d.inside is None else "#2e7d32" if d.inside else "#b3261e"
                for d in actual
            ],
        },
        **axes,
    }
