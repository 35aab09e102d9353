"""The delivery-promise report's plotly figure, as a plain figure dict."""

from apps.calibration.charts import FONT, PALETTE
from apps.calibration.promise_scores import PromiseComparison


def promise_chart(comparison: PromiseComparison) -> dict | None:
    """How far each promise or prediction fell from the delivery (days, predicted − actual;
    below zero = late), overlaid histograms; None when no order was judged."""
    if not comparison.judged:
        return None
    series = (
        ("Twin median", comparison.twin_median_errors, PALETTE[0]),
        ("Twin promise", comparison.twin_promise_errors, PALETTE[1]),
        ("Company's promise (start of day)", comparison.company_errors, PALETTE[2]),
    )
    traces = [
        {
            "type": "histogram",
            "name": name,
            "x": list(errors),
            "xbins": {"size": 1},
            "opacity": 0.55,
            "marker": {"color": colour},
        }
        for name, errors, colour in series
    ]
    return {
        "data": traces,
        "layout": {
            "title": {
                "text": f"Predicted − actual delivery, days ({comparison.judged} later orders; "
                "below 0 = late)",
                "font": {"size": 13},
            },
            "font": FONT,
            "barmode": "overlay",
            "height": 320,
            "margin": {"l": 50, "r": 10, "t": 36, "b": 40},
            "xaxis": {"title": {"text": "days"}, "zeroline": True, "range": [-20, 45]},
            "yaxis": {"title": {"text": "orders"}},
            "legend": {"orientation": "h", "y": -0.2, "font": {"size": 10}},
            "shapes": [
                {
                    "type": "line",
                    "x0": 0,
                    "x1": 0,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": "#b3261e", "dash": "dash", "width": 1.5},
                }
            ],
        },
    }
