"""Plotly figures of the network, built in Python and handed to static/js/charts.js as JSON."""

import json

import plotly.graph_objects as go
import plotly.io as pio

from apps.network.selectors import NetworkOverview

DC_COLOUR = "#1f4e79"
CROSS_DOCK_COLOUR = "#b35900"
REGION_COLOUR = "#7a869a"


def figure_dict(figure: go.Figure) -> dict:
    """Plain JSON types only, ready for the json_script template filter."""
    return json.loads(pio.to_json(figure))


def network_map(overview: NetworkOverview) -> dict:
    """DCs, the cross-dock and regions on longitude/latitude axes, with each region's home lane.

    A cartesian lon/lat plot rather than a geo map: plotly's geo maps load their
    outlines from a CDN, and the twin runs on closed networks.
    """
    figure = go.Figure()
    for region in overview.regions:
        dc = region.home_dc
        figure.add_trace(
            go.Scatter(
                x=[dc.longitude, region.longitude],
                y=[dc.latitude, region.latitude],
                mode="lines",
                line={"color": DC_COLOUR, "width": 2},
                opacity=0.45,
                hoverinfo="skip",
                showlegend=False,
            )
        )
    figure.add_trace(
        go.Scatter(
            name="Regions",
            x=[r.longitude for r in overview.regions],
            y=[r.latitude for r in overview.regions],
            text=[r.name for r in overview.regions],
            customdata=[[r.home_dc.code, r.customer_count] for r in overview.regions],
            mode="markers+text",
            textposition="bottom center",
            marker={
                "size": 14,
                "color": REGION_COLOUR,
                "symbol": "circle-open",
                "line": {"width": 2},
            },
            hovertemplate="%{text}<br>served by %{customdata[0]}<br>"
            "%{customdata[1]} customers<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            name="Distribution centres",
            x=[dc.longitude for dc in overview.dcs],
            y=[dc.latitude for dc in overview.dcs],
            text=[dc.code for dc in overview.dcs],
            customdata=[[dc.name, dc.pick_stations, dc.dock_doors] for dc in overview.dcs],
            mode="markers+text",
            textposition="top center",
            marker={"size": 20, "color": DC_COLOUR, "symbol": "square"},
            hovertemplate="%{customdata[0]}<br>%{customdata[1]} pick stations, "
            "%{customdata[2]} dock doors<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            name="Cross-dock",
            x=[xd.longitude for xd in overview.cross_docks],
            y=[xd.latitude for xd in overview.cross_docks],
            text=[xd.code for xd in overview.cross_docks],
            customdata=[[xd.name, xd.dwell_hours_median] for xd in overview.cross_docks],
            mode="markers+text",
            textposition="bottom left",
            marker={"size": 16, "color": CROSS_DOCK_COLOUR, "symbol": "diamond"},
            hovertemplate="%{customdata[0]}<br>median dwell %{customdata[1]} h<extra></extra>",
        )
    )
    figure.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=420,
        legend={"orientation": "h", "y": -0.12},
        xaxis={"title": "longitude", "zeroline": False},
        # Equal degrees on both axes keep the map's proportions recognisable.
        yaxis={"title": "latitude", "scaleanchor": "x", "scaleratio": 1.25, "zeroline": False},
        plot_bgcolor="#f6f8fb",
    )
    return figure_dict(figure)
