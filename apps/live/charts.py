"""Plotly figures of the live state, as plain figure dicts.

Built as dicts rather than through plotly.graph_objects: they are rebuilt on every push
(several a second), and validating a Figure costs milliseconds each time.
"""

import math

HIGH_COLOUR = "#b3261e"
OK_COLOUR = "#2e7d32"
LOW_COLOUR = "#1f6fb2"
NONE_COLOUR = "#9aa4b2"
BAND_COLOURS = {"high": HIGH_COLOUR, "ok": OK_COLOUR, "low": LOW_COLOUR, "none": NONE_COLOUR}
LINE_COLOUR = "#1f4e79"
FONT = {"family": "system-ui, sans-serif", "size": 12}


def whole_percent(share: float | None) -> int | None:
    """A share as the whole percent a live page writes, rounded half up (7.5% → 8%): the
    gauge and the caption beside it both show this one number, so they never disagree."""
    return None if share is None else math.floor(share * 100 + 0.5)


def utilisation_gauge(utilisation: float | None, band: str, high: float, low: float) -> dict:
    """A 0–100% gauge whose bar takes its band's colour; the bands are shaded behind it."""
    return {
        "data": [
            {
                "type": "indicator",
                "mode": "gauge+number",
                "value": whole_percent(utilisation),
                "number": {"suffix": "%", "valueformat": "d"},
                "gauge": {
                    "axis": {"range": [0, 100], "ticksuffix": "%", "nticks": 6},
                    "bar": {"color": BAND_COLOURS[band], "thickness": 0.6},
                    "steps": [
                        {"range": [0, low * 100], "color": "#e3eef9"},
                        {"range": [low * 100, high * 100], "color": "#e6f2e7"},
                        {"range": [high * 100, 100], "color": "#f8e1df"},
                    ],
                    "threshold": {
                        "line": {"color": HIGH_COLOUR, "width": 3},
                        "thickness": 0.85,
                        "value": high * 100,
                    },
                },
            }
        ],
        "layout": {
            "height": 170,
            # The end labels ("0%", "100%") sit beside the arc's ends, outside the plot area:
            # the side margins must hold "100%" whole, or the card's edge clips it.
            "margin": {"l": 50, "r": 50, "t": 10, "b": 5},
            "font": FONT,
            "paper_bgcolor": "rgba(0,0,0,0)",
        },
    }


def sparkline(hours: list[str], values: list[float], *, label: str) -> dict:
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": hours,
                "y": values,
                "line": {"color": LINE_COLOUR, "width": 1.5},
                "fill": "tozeroy",
                "fillcolor": "rgba(31, 78, 121, 0.12)",
                "hovertemplate": f"%{{x|%a %H:00}}: %{{y}} {label}<extra></extra>",
            }
        ],
        "layout": {
            "height": 60,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "xaxis": {"visible": False},
            "yaxis": {"visible": False, "rangemode": "tozero"},
            "showlegend": False,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }


def _hourly_layout(title: str, y_title: str, **yaxis) -> dict:
    return {
        "title": {"text": title, "font": {"size": 14}},
        "height": 260,
        "margin": {"l": 55, "r": 15, "t": 35, "b": 35},
        "font": FONT,
        "xaxis": {"type": "date"},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", **yaxis},
        "showlegend": False,
    }


def hourly_utilisation(points: list[dict], high: float, low: float) -> dict:
    hours = [p["hour"] for p in points]
    values = [round(p["utilisation"] * 100, 1) if p["utilisation"] is not None else None
              for p in points]  # fmt: skip
    layout = _hourly_layout("Labour utilisation by hour", "%", range=[0, 105])
    layout["shapes"] = [
        {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": level * 100, "y1": level * 100,
         "line": {"color": colour, "dash": "dash", "width": 1}}
        for level, colour in ((high, HIGH_COLOUR), (low, LOW_COLOUR))
    ]  # fmt: skip
    return {
        "data": [{"type": "scatter", "mode": "lines+markers", "x": hours, "y": values,
                  "line": {"color": LINE_COLOUR}, "connectgaps": False,
                  "hovertemplate": "%{x|%a %H:00}: %{y:.0f}%<extra></extra>"}],
        "layout": layout,
    }  # fmt: skip


def hourly_throughput(points: list[dict]) -> dict:
    return {
        "data": [{"type": "bar", "x": [p["hour"] for p in points],
                  "y": [p["lines_picked"] for p in points], "marker": {"color": LINE_COLOUR},
                  "hovertemplate": "%{x|%a %H:00}: %{y} lines<extra></extra>"}],
        "layout": _hourly_layout("Lines picked by hour", "lines / h"),
    }  # fmt: skip


def hourly_backlog(points: list[dict]) -> dict:
    return {
        "data": [{"type": "scatter", "mode": "lines", "x": [p["hour"] for p in points],
                  "y": [p["backlog_orders"] for p in points], "line": {"color": "#b35900"},
                  "line_shape": "hv",
                  "hovertemplate": "%{x|%a %H:00}: %{y} orders<extra></extra>"}],
        "layout": _hourly_layout("Backlog at each hour's end", "orders released, not shipped"),
    }  # fmt: skip


NOBODY_ON_SHIFT = "Nobody is clocked in: no shift is on now."


def on_shift_text(workers_on_shift: dict[str, int]) -> str:
    """The labour chart's caption: who is in ("On shift: 4 packers, 9 pickers."), or that
    nobody is."""
    if not workers_on_shift:
        return NOBODY_ON_SHIFT
    people = ", ".join(
        f"{count} {role}{'' if count == 1 else 's'}"
        for role, count in sorted(workers_on_shift.items())
    )
    return f"On shift: {people}."


def labour_by_role(workers_on_shift: dict[str, int]) -> dict | None:
    """Workers clocked in by role; None with nobody in: the page then hides the chart, and
    its caption (on_shift_text) says so once, rather than a blank frame or the same words
    twice."""
    roles = sorted(workers_on_shift)
    if not roles:
        return None
    return {
        "data": [{"type": "bar", "orientation": "h", "y": roles,
                  "x": [workers_on_shift[r] for r in roles], "marker": {"color": LINE_COLOUR},
                  "hovertemplate": "%{y}: %{x} on shift<extra></extra>"}],
        "layout": {"height": 200, "margin": {"l": 80, "r": 15, "t": 10, "b": 30}, "font": FONT,
                   "xaxis": {"title": {"text": "workers clocked in"}, "rangemode": "tozero"}},
    }  # fmt: skip
