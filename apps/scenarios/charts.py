"""Plotly figures of a comparison, as plain figure dicts."""

import math
import statistics
from collections import defaultdict

from apps.scenarios.documents import Ranking
from apps.simulation.results import ReplicationResult
from apps.simulation.statistics import Kpi

FONT = {"family": "system-ui, sans-serif", "size": 12}
# Twenty colours apart enough to tell scenarios apart side by side: the twin's own
# suggestions alone make sixteen scenarios and the baseline.
PALETTE = (
    "#1f4e79", "#2e7d32", "#b26a00", "#6a3d9a", "#00838f", "#ad1457", "#5d4037", "#c62828",
    "#558b2f", "#4527a0", "#ef6c00", "#0277bd", "#827717", "#6d4c41", "#00695c", "#8e24aa",
    "#37474f", "#f9a825", "#283593", "#9e9d24",
)  # fmt: skip


def utilisation_bars(ranking: Ranking, colours: dict[str, str]) -> dict:
    """Per-DC labour utilisation of each scenario side by side, with 95% intervals."""
    rows = ranking.scenarios
    dcs = sorted({k.split(".")[1] for r in rows for k in r.kpis if k.startswith("dc.")})
    traces = []
    for row in rows:
        values = [row.kpis.get(f"dc.{dc}.labour_utilisation") for dc in dcs]
        traces.append(
            {
                "type": "bar",
                "name": row.name,
                "x": dcs,
                "y": [round(100 * v.mean, 1) if v else None for v in values],
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [round(100 * (v.high - v.mean), 2) if v else 0 for v in values],
                    "arrayminus": [round(100 * (v.mean - v.low), 2) if v else 0 for v in values],
                },
                "marker": {"color": colours[row.name]},
            }
        )
    peak = max((y for t in traces for y in t["y"] if y is not None), default=100)
    return {
        "data": traces,
        "layout": {
            "title": {"text": "Labour utilisation per DC, per scenario", "font": {"size": 13}},
            "barmode": "group",
            "font": FONT,
            "height": max(360, 22 * len(rows) + 80),
            "yaxis": {"ticksuffix": "%", "range": [0, max(110, peak + 10)]},
            "margin": {"l": 50, "r": 10, "t": 36, "b": 40},
            "legend": {"title": {"text": "by rank"}, "traceorder": "normal"},
        },
    }


def cost_otif_scatter(ranking: Ranking) -> dict:
    """Total cost against OTIF, the Pareto front joined: what each scenario trades."""
    rows = ranking.scenarios
    pareto = set(ranking.pareto)
    points = [
        (row.name, row.kpis[Kpi.TOTAL_COST_USD].mean, 100 * row.kpis[Kpi.OTIF].mean) for row in rows
    ]
    front = sorted((p for p in points if p[0] in pareto), key=lambda p: p[1])
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": "scenarios",
                "x": [round(c, 3) for _, c, _ in points],
                "y": [round(o, 2) for _, _, o in points],
                # Rank numbers, as in the table: full names would overlap where scenarios
                # lie close together; they show on hover.
                "text": [f"#{row.rank}" for row in rows],
                "hovertext": [n for n, _, _ in points],
                "hovertemplate": "%{hovertext}<br>%{x:$,.0f}, OTIF %{y:.1f}%<extra></extra>",
                "textposition": "top center",
                "cliponaxis": False,
                "marker": {
                    "size": 11,
                    "color": ["#2e7d32" if n in pareto else "#9aa4b2" for n, _, _ in points],
                },
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Pareto front",
                "x": [round(c, 3) for _, c, _ in front],
                "y": [round(o, 2) for _, _, o in front],
                "line": {"color": "#2e7d32", "dash": "dot"},
            },
        ],
        "layout": {
            "title": {
                "text": "Total cost vs OTIF, by rank (green: no scenario beats it on both)",
                "font": {"size": 13},
            },
            "font": FONT,
            "height": 360,
            "showlegend": False,
            "xaxis": {"title": {"text": "total cost over the horizon (USD)"}, "tickprefix": "$"},
            "yaxis": {"title": {"text": "OTIF"}, "ticksuffix": "%"},
            "margin": {"l": 60, "r": 10, "t": 56, "b": 50},
        },
    }


def _cycle_time_hours(result: ReplicationResult) -> float:
    """Order created → shipped, averaged over the network's shipped orders."""
    shipped = sum(d.orders_shipped for d in result.dcs)
    if not shipped:
        return 0.0
    return sum(d.cycle_time_hours_mean * d.orders_shipped for d in result.dcs) / shipped


def _boxes(
    results: dict[str, list[ReplicationResult]],
    ranked: list[str],
    colours: dict[str, str],
    value,
    title: str,
    axis: dict,
) -> dict:
    """One horizontal box per scenario, the top-ranked at the top: names read across, however
    many scenarios there are."""
    traces = [
        {
            "type": "box",
            "orientation": "h",
            "name": f"#{rank} {name}",
            "x": [round(value(r), 3) for r in results[name]],
            "boxpoints": "all",
            "jitter": 0.4,
            "pointpos": 0,
            "marker": {"color": colours[name], "size": 5},
            "line": {"width": 1.5},
        }
        for rank, name in reversed(list(enumerate(ranked, start=1)))
    ]
    return {
        "data": traces,
        "layout": {
            "title": {"text": title, "font": {"size": 13}},
            "font": FONT,
            "height": max(300, 26 * len(ranked) + 90),
            "showlegend": False,
            "xaxis": axis,
            "yaxis": {"automargin": True},
            "margin": {"l": 10, "r": 10, "t": 36, "b": 50},
        },
    }


def cycle_time_boxes(
    results: dict[str, list[ReplicationResult]], ranked: list[str], colours: dict[str, str]
) -> dict:
    """Each replication's mean cycle time per scenario: the spread a decision must live with."""
    return _boxes(
        results,
        ranked,
        colours,
        _cycle_time_hours,
        "Cycle time (order created → shipped) across replications",
        {"title": {"text": "hours"}},
    )


def otif_boxes(
    results: dict[str, list[ReplicationResult]], ranked: list[str], colours: dict[str, str]
) -> dict:
    return _boxes(
        results,
        ranked,
        colours,
        lambda r: 100 * r.network.otif,
        "OTIF across replications",
        {"title": {"text": "OTIF"}, "ticksuffix": "%"},
    )


def hourly_utilisation_lines(
    results: dict[str, list[ReplicationResult]], chosen: list[str], colours: dict[str, str]
) -> dict:
    """Labour utilisation hour by hour, one panel per DC, a line per chosen scenario (the
    mean over its replications)."""
    dcs = sorted({d.dc for runs in results.values() for d in runs[0].dcs})
    traces = []
    for name in chosen:
        sums: dict[tuple[str, int], list[float]] = defaultdict(list)
        for result in results[name]:
            for point in result.hourly:
                sums[(point.dc, point.hour)].append(point.labour_utilisation)
        for panel, dc in enumerate(dcs, start=1):
            hours = sorted(h for d, h in sums if d == dc)
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "legendgroup": name,
                    "showlegend": panel == 1,
                    "x": [round(h / 24, 3) for h in hours],
                    "y": [round(100 * statistics.fmean(sums[(dc, h)]), 1) for h in hours],
                    "line": {"color": colours[name], "width": 1.4},
                    **panel_axes(panel),
                }
            )
    # Results stored before after-shift work was clocked as overtime can pass 100% in the
    # hour a shift ends; the axis makes room for them.
    peak = max((y for t in traces for y in t["y"]), default=100)
    layout = panel_grid_layout(
        "Labour utilisation hour by hour (mean of replications)",
        [f"{dc}: day of the horizon" for dc in dcs],
        yaxis={"range": [0, max(110, peak + 5)], "ticksuffix": "%"},
    )
    layout["legend"] = {"orientation": "h", "y": -0.12}
    return {"data": traces, "layout": layout}


def panel_axes(panel: int) -> dict[str, str]:
    """The axes a trace of the n-th panel (from 1) of a panel grid draws on."""
    suffix = str(panel) if panel > 1 else ""
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def panel_grid_layout(title: str, x_titles: list[str], *, yaxis: dict) -> dict:
    """A grid of small charts, two a row, one per DC: each its own axes, titled below."""
    columns = 2
    rows = max(1, math.ceil(len(x_titles) / columns))
    layout = {
        "title": {"text": title, "font": {"size": 13}},
        "font": FONT,
        "height": 220 * rows + 80,
        "grid": {"rows": rows, "columns": columns, "pattern": "independent"},
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
    }
    for panel, x_title in enumerate(x_titles, start=1):
        suffix = str(panel) if panel > 1 else ""
        layout[f"xaxis{suffix}"] = {"title": {"text": x_title}}
        layout[f"yaxis{suffix}"] = dict(yaxis)
    return layout


def scenario_colours(order: list[str]) -> dict[str, str]:
    """One colour per scenario, the same in every chart: by its place in the comparison."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(order)}


def backtest_shares(figures) -> dict:
    """The back-test's shares (utilisation per DC, OTIF): each predicted mean with its 95%
    band of one week, and what happened beside it. Money and counts stay in the table: on
    one axis with shares they would flatten either."""
    shares = [f for f in figures if f.unit == "percent"]
    labels = [f.label for f in shares]
    predicted = {
        "type": "scatter",
        "mode": "markers",
        "name": "Predicted (95% band)",
        "x": labels,
        "y": [round(100 * f.predicted, 1) for f in shares],
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": [round(100 * (f.high - f.predicted), 2) for f in shares],
            "arrayminus": [round(100 * (f.predicted - f.low), 2) for f in shares],
        },
        "marker": {"color": PALETTE[0], "size": 10},
    }
    actual = {
        "type": "scatter",
        "mode": "markers",
        "name": "Actual",
        "x": labels,
        "y": [None if f.actual is None else round(100 * f.actual, 1) for f in shares],
        "marker": {"color": PALETTE[7], "size": 11, "symbol": "diamond"},
    }
    return {
        "data": [predicted, actual],
        "layout": {
            "title": {"text": "Back-test: predicted against actual", "font": {"size": 13}},
            "font": FONT,
            "height": 320,
            "yaxis": {"ticksuffix": "%", "range": [0, 105]},
            "margin": {"l": 50, "r": 10, "t": 36, "b": 40},
        },
    }
