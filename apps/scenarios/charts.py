"""Plotly figures of a comparison, as plain figure dicts."""

FONT = {"family": "system-ui, sans-serif", "size": 12}
PALETTE = ("#1f4e79", "#2e7d32", "#b26a00", "#6a3d9a", "#00838f", "#ad1457", "#5d4037")


def utilisation_bars(ranking: dict) -> dict:
    """Per-DC labour utilisation of each scenario side by side, with 95% intervals."""
    rows = ranking["scenarios"]
    dcs = sorted({k.split(".")[1] for r in rows for k in r["kpis"] if k.startswith("dc.")})
    traces = []
    for i, row in enumerate(rows):
        values = [row["kpis"].get(f"dc.{dc}.labour_utilisation") for dc in dcs]
        traces.append(
            {
                "type": "bar",
                "name": row["name"],
                "x": dcs,
                "y": [round(100 * v["mean"], 1) if v else None for v in values],
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [round(100 * (v["high"] - v["mean"]), 2) if v else 0 for v in values],
                    "arrayminus": [
                        round(100 * (v["mean"] - v["low"]), 2) if v else 0 for v in values
                    ],
                },
                "marker": {"color": PALETTE[i % len(PALETTE)]},
            }
        )
    return {
        "data": traces,
        "layout": {
            "title": {"text": "Labour utilisation per DC", "font": {"size": 13}},
            "barmode": "group",
            "font": FONT,
            "height": 320,
            "yaxis": {"ticksuffix": "%", "range": [0, 110]},
            "margin": {"l": 50, "r": 10, "t": 36, "b": 40},
            "legend": {"orientation": "h", "y": -0.2},
        },
    }


def cost_otif_scatter(ranking: dict) -> dict:
    """Total cost against OTIF, the Pareto front joined: what each scenario trades."""
    rows = ranking["scenarios"]
    pareto = set(ranking["pareto"])
    points = [
        (
            row["name"],
            row["kpis"]["network.total_cost_usd"]["mean"],
            100 * row["kpis"]["network.otif"]["mean"],
        )
        for row in rows
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
                "text": [n for n, _, _ in points],
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
                "text": "Total cost vs OTIF (green: no scenario beats it on both)",
                "font": {"size": 13},
            },
            "font": FONT,
            "height": 320,
            "showlegend": False,
            "xaxis": {"title": {"text": "total cost over the horizon (USD)"}, "tickprefix": "$"},
            "yaxis": {"title": {"text": "OTIF"}, "ticksuffix": "%"},
            "margin": {"l": 60, "r": 10, "t": 36, "b": 50},
        },
    }
