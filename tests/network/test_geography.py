"""The state outlines: read from the installed Census files, projected, simplified."""

import struct
from itertools import pairwise

import pytest

from apps.network import geography
from apps.network.geography import (
    OutlineFileError,
    lower_48_outlines,
    project,
    read_dbf_column,
    read_polygons,
    simplify,
)

# Where the demo DCs stand, and the state each stands in (fixtures/build_demo_network.py).
DC_SITES = [("PA", 40.60, -75.49), ("GA", 33.45, -84.15), ("IL", 41.53, -88.08),
            ("NV", 39.53, -119.81)]  # fmt: skip


def inside(point: tuple[float, float], ring: tuple[tuple[float, float], ...]) -> bool:
    """Even–odd ray casting."""
    x, y = point
    crossings = 0
    for (x0, y0), (x1, y1) in pairwise(ring):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            crossings += 1
    return crossings % 2 == 1


def test_the_lower_48_load_from_the_installed_census_files_and_stay_light():
    outlines = lower_48_outlines()
    codes = {state.code for state in outlines.states}
    assert 48 <= len(codes) <= 49
    assert {"CA", "TX", "FL", "ME", "WA", "PA", "NV"} <= codes
    assert not codes & {"AK", "HI", "PR"}
    # Light enough for the page, detailed enough to show the states' shapes.
    assert 1_000 <= outlines.point_count <= 5_000
    assert all(ring[0] == ring[-1] for state in outlines.states for ring in state.rings)


def test_each_demo_dc_falls_inside_the_outline_of_its_own_state_only():
    states = {state.code: state for state in lower_48_outlines().states}
    for code, latitude, longitude in DC_SITES:
        point = project(latitude, longitude)
        holders = [s.code for s in states.values() if any(inside(point, r) for r in s.rings)]
        assert holders == [code]


def test_the_line_coordinates_separate_each_ring_with_a_gap():
    outlines = lower_48_outlines()
    xs, ys = outlines.line_coordinates()
    rings = sum(len(state.rings) for state in outlines.states)
    assert xs.count(None) == ys.count(None) == rings
    assert len(xs) == outlines.point_count + rings


def test_the_projection_keeps_the_country_the_right_way_round():
    assert project(37.5, -96.0) == pytest.approx((0.0, 0.0), abs=1e-6)
    seattle, boston, miami = project(47.6, -122.3), project(42.4, -71.1), project(25.8, -80.2)
    assert seattle[0] < 0 < boston[0]
    assert miami[1] < boston[1] < seattle[1]
    # Equal-area and in km: Seattle to Boston is about 4,000 km as the crow flies.
    assert 3_800 < abs(boston[0] - seattle[0]) < 4_500


def test_simplify_drops_wiggles_under_the_tolerance_and_keeps_corners_over_it():
    wiggly = [(x, 0.3 if x % 2 else -0.3) for x in range(1, 20)]
    line = [(0.0, 0.0), *wiggly, (20.0, 0.0)]
    assert simplify(line, 1.0) == [(0.0, 0.0), (20.0, 0.0)]
    corner = [(0.0, 0.0), (5.0, 4.1), (10.0, 8.0), (15.0, 4.0), (20.0, 0.0)]
    assert simplify(corner, 1.0) == [(0.0, 0.0), (10.0, 8.0), (20.0, 0.0)]


def shapefile_with(*records: bytes, shape_type: int = 5) -> bytes:
    header = struct.pack(">i20xi", 9994, 0) + struct.pack("<ii32x32x", 1000, shape_type)
    body = b"".join(struct.pack(">ii", n + 1, len(r) // 2) + r for n, r in enumerate(records))
    return header + body


def polygon(*points: tuple[float, float]) -> bytes:
    flat = [c for p in points for c in p]
    return (struct.pack("<i4d", 5, 0, 0, 0, 0) + struct.pack("<iii", 1, len(points), 0)
            + struct.pack(f"<{len(flat)}d", *flat))  # fmt: skip


def test_the_reader_reads_a_polygon_record_and_a_null_one():
    square = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.0, 0.0)]
    shp = shapefile_with(polygon(*square), struct.pack("<i", 0))
    assert read_polygons(shp) == [[square], []]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a shapefile" * 10, "file code is not 9994"),
        (shapefile_with(polygon((0.0, 0.0)))[:-8], "runs past the end"),
        (shapefile_with(shape_type=1), "does not hold polygons"),
    ],
)  # fmt: skip
def test_the_reader_refuses_a_damaged_file_saying_what_is_wrong(content, message):
    with pytest.raises(OutlineFileError, match=message):
        read_polygons(content)


def test_an_attribute_column_that_is_not_there_is_named_in_the_error():
    dbf = geography._package_file("dbf").read_bytes()
    assert "PA" in read_dbf_column(dbf, "STUSPS")
    with pytest.raises(OutlineFileError, match="no column 'STATE_CODE'"):
        read_dbf_column(dbf, "STATE_CODE")
