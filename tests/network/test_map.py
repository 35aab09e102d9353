"""The network map: outlines under the lanes, lanes coloured by lateness, places on top."""

import json

from apps.accounts.roles import VIEWER
from apps.live.corridors import CorridorLoad, corridor_load_list
from apps.live.documents import network_document
from apps.live.network_selectors import lane_state_list
from apps.live.projector import project_pending
from apps.network.charts import (
    LATENESS_SCALE,
    NO_DATA_COLOUR,
    lateness_colour,
    map_summary,
    network_map,
)
from apps.network.geography import lower_48_outlines, project
from apps.network.selectors import MapPlace, MapPlaces, map_place_list
from tests.live.stream import T0, ingest
from tests.network.deliveries import three_deliveries_one_late

PLACES = MapPlaces(
    dcs=(MapPlace("NE", "Allentown", 40.60, -75.49, ""),
         MapPlace("SE", "McDonough", 33.45, -84.15, ""),
         MapPlace("W", "Reno", 39.53, -119.81, "")),
    cross_docks=(MapPlace("XD1", "Harrisburg", 40.27, -76.88, ""),),
    regions=(MapPlace("MAT", "Mid-Atlantic", 40.40, -75.20, ""),
             MapPlace("SEA", "Southeast", 33.60, -82.60, ""),
             MapPlace("WST", "West Coast", 37.00, -120.50, "")),
    home_dcs={"MAT": "NE", "SEA": "SE", "WST": "W"},
)  # fmt: skip


def corridor(origin: str, destination: str, delivered: int, late: int, moving: int = 0):
    return CorridorLoad(origin=origin, destination=destination, lanes=(f"{origin}-{destination}",),
                        deliveries_7d=delivered, late_7d=late, in_transit=moving)  # fmt: skip


def lane_lines(figure: dict) -> list[dict]:
    return [t for t in figure["data"] if t["mode"] == "lines" and t.get("name") != "US states"]


def test_the_outlines_are_one_quiet_line_trace_under_everything_else():
    figure = network_map(PLACES, [])
    outline = figure["data"][0]
    assert outline["name"] == "US states" and outline["hoverinfo"] == "skip"
    assert not outline["showlegend"]
    assert sum(x is not None for x in outline["x"]) == lower_48_outlines().point_count
    assert [t["name"] for t in figure["data"][-3:]] == ["Regions", "Distribution centres",
                                                        "Cross-dock"]  # fmt: skip
    # Kilometres both ways, so the projection's shape is kept on screen.
    assert figure["layout"]["yaxis"]["scaleanchor"] == "x"
    json.dumps(figure)  # plain JSON types only: it goes into the page and the websocket


def test_lanes_take_the_colour_of_their_late_share_and_the_width_of_their_load():
    figure = network_map(PLACES, [corridor("NE", "MAT", 400, 0), corridor("SE", "SEA", 100, 10),
                                  corridor("XD1", "SEA", 50, 25)])  # fmt: skip
    by_colour = {t["line"]["color"]: t["line"] for t in lane_lines(figure)}
    # Three measured corridors, each its own colour, and W's home corridor, not yet measured.
    assert len(lane_lines(figure)) == len(by_colour) == 4
    assert lateness_colour(0.0) == "rgb(31, 111, 178)"  # the scale's blue end: none late
    assert lateness_colour(0.5) == lateness_colour(0.2) == "rgb(179, 38, 30)"  # red, capped
    assert by_colour[lateness_colour(0.0)]["width"] > by_colour[lateness_colour(0.1)]["width"]
    assert by_colour[lateness_colour(0.1)]["width"] > by_colour[lateness_colour(0.5)]["width"]
    assert by_colour[NO_DATA_COLOUR]["dash"] == "dot"
    scale = next(t for t in figure["data"] if t.get("name") == "Lanes by late share")
    assert sorted(scale["marker"]["color"]) == [0.0, 10.0, 50.0]
    assert scale["marker"]["colorscale"] == LATENESS_SCALE and scale["marker"]["showscale"]
    assert "Late" in scale["marker"]["colorbar"]["title"]["text"]
    assert any("25 late (50%)" in text for text in scale["text"])
    legend = [t["name"] for t in figure["data"] if t.get("showlegend")]
    assert "No deliveries in the last 7 days" in legend


def test_before_any_delivery_every_home_corridor_is_grey_and_no_colour_bar_is_shown():
    figure = network_map(PLACES, [])
    lines = lane_lines(figure)
    assert len(lines) == 3 and {line["line"]["color"] for line in lines} == {NO_DATA_COLOUR}
    assert not any(t.get("name") == "Lanes by late share" for t in figure["data"])
    assert "every corridor is grey" in map_summary(PLACES, [])


def test_the_summary_names_the_corridor_most_often_late():
    corridors = [corridor("NE", "MAT", 400, 4), corridor("W", "WST", 20, 5)]
    summary = map_summary(PLACES, corridors)
    assert "3 distribution centres, 1 cross-dock and 3 regions" in summary
    assert "most often late is W to WST, 25% of 20 late" in summary


def test_the_summary_says_which_lines_are_grey_and_that_an_unused_cross_dock_has_none():
    everyone = [corridor("NE", "MAT", 400, 4), corridor("SE", "SEA", 90, 9),
                corridor("W", "WST", 20, 5)]  # fmt: skip
    summary = map_summary(PLACES, everyone)
    assert "None is grey." in summary
    assert "No lane from XD1 is drawn: nothing went through it in the last 7 days." in summary
    summary = map_summary(PLACES, [*everyone[:2], corridor("XD1", "SEA", 30, 3)])
    assert "1 grey: no deliveries in the last 7 days." in summary
    assert "XD1" not in summary.split("late.")[-1]


def test_both_map_captions_promise_only_what_the_map_draws(client, role_user, demo_network):
    project_three_deliveries_one_late()
    client.force_login(role_user(VIEWER))
    for path in ("/live/", "/network/"):
        html = client.get(path).content.decode()
        assert "grey dotted lines have had no deliveries" not in html
        assert "A lane with no deliveries in that time is drawn grey and dotted" in html
        assert "the cross-dock shows no lanes when nothing went through it" in html
    # The map says the same in words: here the cross-dock carried nothing, and the home
    # corridors without deliveries are the grey ones.
    summary = network_document()["lane_map"]["summary"]
    assert "No lane from XD1 is drawn" in summary and "grey: no deliveries" in summary


def test_the_live_lane_table_states_its_period_beside_the_maps(client, role_user, demo_network):
    client.force_login(role_user(VIEWER))
    html = client.get("/live/").content.decode()
    assert '<th class="num">Late, 7 days</th>' in html
    assert "the period the map is coloured by" in html


def project_three_deliveries_one_late() -> None:
    ingest(*three_deliveries_one_late(T0))
    project_pending()


def ne_to_mid_atlantic(figure: dict, places: MapPlaces) -> dict:
    known = places.by_code()
    start = project(known["NE"].latitude, known["NE"].longitude)
    origin = [round(start[0], 1), round(start[1], 1)]
    measured = [t for t in lane_lines(figure) if t["line"]["color"] != NO_DATA_COLOUR]
    return next(t for t in measured if [t["x"][0], t["y"][0]] == origin)


def test_the_network_page_colours_a_lane_by_the_live_projection(client, role_user, demo_network):
    project_three_deliveries_one_late()
    client.force_login(role_user(VIEWER))
    response = client.get("/network/")
    figure = response.context["network_map"]
    line = ne_to_mid_atlantic(figure, map_place_list())
    assert line["line"]["color"] == lateness_colour(1 / 3)
    scale = next(t for t in figure["data"] if t.get("name") == "Lanes by late share")
    assert any("3 delivered in 7 days, 1 late (33%)" in text and "NE-MAT-BLT, NE-MAT-RDX" in text
               for text in scale["text"])  # fmt: skip
    assert "most often late is NE to MAT, 33% of 3 late" in response.content.decode()


def test_the_live_page_draws_the_same_map_and_pushes_only_its_lanes(
    client, role_user, demo_network
):
    project_three_deliveries_one_late()
    client.force_login(role_user(VIEWER))
    html = client.get("/live/").content.decode()
    assert 'id="map-backdrop"' in html and 'id="lane-map"' in html
    document = network_document()
    places = map_place_list()
    traces = document["lane_map"]["traces"]
    assert ne_to_mid_atlantic({"data": traces}, places)["line"]["color"] == lateness_colour(1 / 3)
    assert traces == network_map(places, corridor_load_list(lane_state_list()))["data"][1:-3]
    # A delta whose lanes have not changed carries neither the lanes nor their map.
    assert not {"lanes", "lane_map"} & set(network_document(include_lanes=False))
