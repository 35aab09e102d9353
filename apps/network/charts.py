"""The network map: US state outlines, DCs, the cross-dock, regions and lanes coloured by
lateness, as plain plotly figure dicts for static/js/charts.js and static/js/live.js.

A cartesian plot of Albers-projected kilometres rather than a plotly geo map: geo maps load
their outlines from a CDN, and the twin runs on closed networks. The outlines come from an
installed package (see geography). Built as dicts rather than through graph_objects: the
live page rebuilds the lanes with every lane refresh, and validating a Figure costs
milliseconds each time.
"""

import math

from plotly.colors import sample_colorscale

from apps.live.corridors import CorridorLoad
from apps.network.geography import lower_48_outlines, project
from apps.network.selectors import MapPlace, MapPlaces

DC_COLOUR = "#1f4e79"
CROSS_DOCK_COLOUR = "#b35900"
REGION_COLOUR = "#5b6675"
OUTLINE_COLOUR = "#c3cad4"
NO_DATA_COLOUR = "#a3acb9"
FONT = {"family": "system-ui, sans-serif", "size": 12}
# Blue (on time) through purple to red (late): no step of it is grey, which means no data.
LATENESS_SCALE = [[0.0, "#1f6fb2"], [0.5, "#8e44ad"], [1.0, "#b3261e"]]
# A fifth of a lane's deliveries late is as red as the scale goes: fixed rather than
# stretched to the worst lane, so that a colour means the same from one hour to the next.
LATE_SHARE_FULL_SCALE = 0.20
LINE_WIDTH_MIN, LINE_WIDTH_MAX = 1.5, 7.0
PAD_KM = 120.0
NO_DATA_LABEL = "No deliveries in the last 7 days"


# The lower 48's box. A network inside it is drawn in the Albers projection on the US
# outlines; a network elsewhere (the Olist history's Brazil) in a sinusoidal projection
# (equal-area, true near the equator) with no outlines, since only US ones are shipped.
LOWER_48_LATITUDES = (24.0, 50.0)
LOWER_48_LONGITUDES = (-125.0, -66.0)
KM_PER_DEGREE = 111.2


def _in_lower_48(place: MapPlace) -> bool:
    return (
        LOWER_48_LATITUDES[0] <= place.latitude <= LOWER_48_LATITUDES[1]
        and LOWER_48_LONGITUDES[0] <= place.longitude <= LOWER_48_LONGITUDES[1]
    )


def _xy(place: MapPlace) -> tuple[float, float]:
    if _in_lower_48(place):
        return project(place.latitude, place.longitude)
    x = place.longitude * KM_PER_DEGREE * math.cos(math.radians(place.latitude))
    return x, place.latitude * KM_PER_DEGREE


def _place_trace(places: tuple[MapPlace, ...], *, name: str, marker: dict, textposition: str,
                 label: str = "code") -> dict:  # fmt: skip
    points = [_xy(place) for place in places]
    return {
        "type": "scatter",
        "name": name,
        "mode": "markers+text",
        "x": [round(x, 1) for x, _ in points],
        "y": [round(y, 1) for _, y in points],
        "text": [getattr(place, label) for place in places],
        "customdata": [[place.name, place.note] for place in places],
        "textposition": textposition,
        "marker": marker,
        "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
    }


def map_backdrop(places: MapPlaces) -> dict:
    """What stays put: the outlines (drawn under the lanes), the places (drawn over them)
    and the layout. The live page embeds it once and pushes only the lanes."""
    every = (*places.regions, *places.dcs, *places.cross_docks)
    at_home = all(_in_lower_48(place) for place in every)
    xs, ys = lower_48_outlines().line_coordinates() if at_home else ([], [])
    known = [x for x in xs if x is not None] or [_xy(place)[0] for place in every] or [0.0]
    underlay = {
        "type": "scatter",
        "name": "US states",
        "mode": "lines",
        "x": xs,
        "y": ys,
        "line": {"color": OUTLINE_COLOUR, "width": 0.8},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    overlay = [
        _place_trace(places.regions, name="Regions", label="name", textposition="bottom center",
                     marker={"size": 13, "color": REGION_COLOUR, "symbol": "circle-open",
                             "line": {"width": 2}}),
        _place_trace(places.dcs, name="Distribution centres", textposition="top center",
                     marker={"size": 17, "color": DC_COLOUR, "symbol": "square"}),
        _place_trace(places.cross_docks, name="Cross-dock", textposition="middle left",
                     marker={"size": 15, "color": CROSS_DOCK_COLOUR, "symbol": "diamond"}),
    ]  # fmt: skip
    layout = {
        "height": 520,
        "margin": {"l": 5, "r": 5, "t": 5, "b": 5},
        "font": FONT,
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": 0, "yanchor": "top"},
        "xaxis": {"visible": False, "range": [min(known) - PAD_KM, max(known) + PAD_KM]},
        # Equal kilometres both ways: the projection already gives the map its shape.
        "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": 1},
        "hovermode": "closest",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "paper_bgcolor": "rgba(0,0,0,0)",
    }
    return {"underlay": [underlay] if at_home else [], "overlay": overlay, "layout": layout}


def drawn_corridors(places: MapPlaces, corridors: list[CorridorLoad]) -> list[CorridorLoad]:
    """Corridors that carried something, and every region's home corridor even when it has
    not yet (grey), so the map always shows who serves whom; between known places only."""
    known = places.by_code()
    by_pair = {(c.origin, c.destination): c for c in corridors if c.load}
    for region, dc in places.home_dcs.items():
        by_pair.setdefault((dc, region), CorridorLoad(origin=dc, destination=region, lanes=()))
    return [c for pair, c in sorted(by_pair.items()) if pair[0] in known and pair[1] in known]


def _hover(corridor: CorridorLoad, known: dict[str, MapPlace]) -> str:
    title = f"{corridor.origin} → {known[corridor.destination].name}"
    if corridor.late_share_7d is None:
        moving = f"; {corridor.in_transit} in transit" if corridor.in_transit else ""
        return f"{title}<br>no deliveries in the last 7 days{moving}"
    return (
        f"{title}<br>{corridor.deliveries_7d:,} delivered in 7 days, {corridor.late_7d:,} late "
        f"({corridor.late_share_7d:.0%})<br>{corridor.in_transit:,} in transit, "
        f"{corridor.in_transit_past_eta:,} past ETA<br>lanes: {', '.join(corridor.lanes)}"
    )


def lateness_colour(late_share: float) -> str:
    """The scale's colour for a late share, as "rgb(r, g, b)"; past the top, the top's."""
    return sample_colorscale(LATENESS_SCALE, [min(late_share / LATE_SHARE_FULL_SCALE, 1.0)])[0]


def _corridor_line(corridor: CorridorLoad, busiest: int) -> dict:
    """Grey and dotted without deliveries; else coloured by lateness, as wide as its load."""
    if corridor.late_share_7d is None:
        return {"color": NO_DATA_COLOUR, "width": LINE_WIDTH_MIN, "dash": "dot"}
    share_of_busiest = corridor.load / busiest if busiest else 0
    width = LINE_WIDTH_MIN + (LINE_WIDTH_MAX - LINE_WIDTH_MIN) * math.sqrt(share_of_busiest)
    return {"color": lateness_colour(corridor.late_share_7d), "width": round(width, 1)}


def corridor_traces(places: MapPlaces, corridors: list[CorridorLoad]) -> list[dict]:
    """One line per corridor (see _corridor_line), and a marker at each line's middle that
    carries the hover text and the colour bar."""
    known = places.by_code()
    drawn = drawn_corridors(places, corridors)
    busiest = max((c.load for c in drawn), default=0)
    traces, middles = [], {True: [], False: []}
    for corridor in drawn:
        (x0, y0), (x1, y1) = _xy(known[corridor.origin]), _xy(known[corridor.destination])
        has_data = corridor.late_share_7d is not None
        trace = {
            "type": "scatter",
            "mode": "lines",
            "x": [round(x0, 1), round(x1, 1)],
            "y": [round(y0, 1), round(y1, 1)],
            "line": _corridor_line(corridor, busiest),
            "hoverinfo": "skip",
            "showlegend": False,
        }
        if not has_data and not middles[False]:
            # The first grey line stands for all of them in the legend.
            trace.update(name=NO_DATA_LABEL, showlegend=True)
        traces.append(trace)
        middles[has_data].append(((x0 + x1) / 2, (y0 + y1) / 2, corridor))
    if middles[True]:
        traces.append(_middle_trace(middles[True], known, name="Lanes by late share"))
    if middles[False]:
        traces.append(_middle_trace(middles[False], known, name=NO_DATA_LABEL))
    return traces


def _middle_trace(middles: list[tuple[float, float, CorridorLoad]], known: dict[str, MapPlace],
                  *, name: str) -> dict:  # fmt: skip
    measured = middles[0][2].late_share_7d is not None
    marker = {"size": 9, "color": NO_DATA_COLOUR, "symbol": "circle", "line": {"width": 0}}
    if measured:
        ticks = [0, 5, 10, 15, 20]
        marker = {
            "size": 9,
            "color": [round(m[2].late_share_7d * 100, 1) for m in middles],
            "colorscale": LATENESS_SCALE,
            "cmin": 0,
            "cmax": LATE_SHARE_FULL_SCALE * 100,
            "line": {"color": "#ffffff", "width": 1},
            "colorbar": {
                "title": {"text": "Late, % of<br>deliveries<br>(7 days)", "side": "top"},
                "tickvals": ticks,
                "ticktext": [f"{t}%" for t in ticks[:-1]] + [f"≥ {ticks[-1]}%"],
                "thickness": 12,
                "len": 0.55,
                "x": 1.0,
            },
            "showscale": True,
        }
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": [round(x, 1) for x, _, _ in middles],
        "y": [round(y, 1) for _, y, _ in middles],
        "text": [_hover(c, known) for _, _, c in middles],
        "marker": marker,
        "hovertemplate": "%{text}<extra></extra>",
        "showlegend": False,
    }


def map_summary(places: MapPlaces, corridors: list[CorridorLoad]) -> str:
    """The map in words, for its text alternative."""
    drawn = drawn_corridors(places, corridors)
    measured = sorted((c for c in drawn if c.late_share_7d is not None),
                      key=lambda c: (-c.late_share_7d, -c.load))  # fmt: skip
    text = (
        f"Map of the lower 48 US states with {len(places.dcs)} distribution centres, "
        f"{len(places.cross_docks)} cross-dock{'' if len(places.cross_docks) == 1 else 's'} "
        f"and {len(places.regions)} regions; "
        f"{len(drawn)} lane corridors drawn, coloured by the late share of the last 7 days' "
        "deliveries."
    )
    unused = [xd.code for xd in places.cross_docks if not any(c.origin == xd.code for c in drawn)]
    idle = (
        f" No lane from {', '.join(unused)} is drawn: nothing went through "
        f"{'it' if len(unused) == 1 else 'them'} in the last 7 days."
        if unused
        else ""
    )
    if not measured:
        return f"{text} No deliveries in the last 7 days yet: every corridor is grey.{idle}"
    worst = measured[0]
    grey = len(drawn) - len(measured)
    return (
        f"{text} {len(measured)} corridors delivered; the one most often late is "
        f"{worst.origin} to {worst.destination}, {worst.late_share_7d:.0%} of "
        f"{worst.deliveries_7d:,} late. "
        + (f"{grey} grey: no deliveries in the last 7 days." if grey else "None is grey.")
        + idle
    )


def network_map(places: MapPlaces, corridors: list[CorridorLoad]) -> dict:
    """The whole map as one figure: outlines under the lanes, places over them."""
    backdrop = map_backdrop(places)
    return {
        "data": [*backdrop["underlay"], *corridor_traces(places, corridors),
                 *backdrop["overlay"]],
        "layout": backdrop["layout"],
    }  # fmt: skip
