"""US state outlines for the network maps, read from the plotly-geo package's Census files.

The outlines come from `cb_2016_us_state_500k` (US Census cartographic boundaries, shipped
inside the plotly-geo wheel), so a map needs nothing from the internet. The shapefile is
read with a small reader of our own (the polygon format is a handful of struct layouts),
projected with an Albers equal-area conic (the USGS projection for the contiguous US, so
the lower 48 look as a planner knows them), and simplified with Douglas–Peucker to a few
thousand points: the page carries them as JSON.
"""

import math
import struct
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path

# Alaska, Hawaii and the territories would stretch the map past the lower 48, where every
# DC and region is.
OUTSIDE_LOWER_48 = frozenset({"AK", "HI", "PR", "VI", "GU", "MP", "AS"})
# Albers parameters for the contiguous US (USGS): standard parallels 29.5° and 45.5°N.
STANDARD_PARALLELS = (29.5, 45.5)
ORIGIN = (37.5, -96.0)  # latitude, longitude at the map's (0, 0)
EARTH_RADIUS_KM = 6371.0
# Simplification tolerance in projected km: at the page's ~900 px across ~4,600 km, one
# pixel is about 5 km, so a 5 km tolerance keeps every visible feature of a state line
# (about 2,300 points for the lower 48).
TOLERANCE_KM = 5.0
# Rings (islands, lake shores) whose bounding box is under this many km across vanish.
SMALLEST_RING_KM = 40.0

SHAPEFILE_NAME = "cb_2016_us_state_500k"
POLYGON = 5
NULL_SHAPE = 0


class OutlineFileError(Exception):
    """The Census state files are missing or not what the reader expects."""


@dataclass(frozen=True)
class StateOutline:
    code: str  # USPS code, e.g. "PA"
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]  # projected km, each ring closed


@dataclass(frozen=True)
class Outlines:
    states: tuple[StateOutline, ...]

    @property
    def point_count(self) -> int:
        return sum(len(ring) for state in self.states for ring in state.rings)

    def line_coordinates(self) -> tuple[list[float | None], list[float | None]]:
        """x and y of every ring, separated by None: one plotly line trace draws them all."""
        xs: list[float | None] = []
        ys: list[float | None] = []
        for state in self.states:
            for ring in state.rings:
                xs.extend(round(x, 1) for x, _ in ring)
                ys.extend(round(y, 1) for _, y in ring)
                xs.append(None)
                ys.append(None)
        return xs, ys


def _albers_constants() -> tuple[float, float, float]:
    phi1, phi2 = (math.radians(p) for p in STANDARD_PARALLELS)
    n = (math.sin(phi1) + math.sin(phi2)) / 2
    c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)
    rho0 = math.sqrt(c - 2 * n * math.sin(math.radians(ORIGIN[0]))) / n
    return n, c, rho0


_N, _C, _RHO0 = _albers_constants()


def project(latitude: float, longitude: float) -> tuple[float, float]:
    """Albers equal-area conic on a sphere (Snyder, Map Projections, eq. 14-1 to 14-4), km."""
    rho = math.sqrt(_C - 2 * _N * math.sin(math.radians(latitude))) / _N
    theta = _N * math.radians(longitude - ORIGIN[1])
    return (
        EARTH_RADIUS_KM * rho * math.sin(theta),
        EARTH_RADIUS_KM * (_RHO0 - rho * math.cos(theta)),
    )


def _package_file(suffix: str) -> Path:
    try:
        folder = resources.files("_plotly_geo") / "package_data"
    except ModuleNotFoundError as error:
        raise OutlineFileError(
            "the plotly-geo package is not installed: pip install -r requirements.txt"
        ) from error
    path = Path(str(folder / f"{SHAPEFILE_NAME}.{suffix}"))
    if not path.is_file():
        raise OutlineFileError(f"{path} is missing: reinstall plotly-geo==1.0.0")
    return path


def read_polygons(shp: bytes) -> list[list[list[tuple[float, float]]]]:
    """Each record's rings as (longitude, latitude) points, from an ESRI polygon shapefile
    (ESRI Shapefile Technical Description, 1998): big-endian headers, little-endian bodies."""
    if len(shp) < 100 or struct.unpack(">i", shp[:4])[0] != 9994:
        raise OutlineFileError("not a shapefile: the file code is not 9994")
    if struct.unpack("<i", shp[32:36])[0] != POLYGON:
        raise OutlineFileError("the shapefile does not hold polygons")
    records = []
    offset = 100
    while offset + 8 <= len(shp):
        words = struct.unpack(">i", shp[offset + 4 : offset + 8])[0]
        body = offset + 8
        offset = body + 2 * words
        if offset > len(shp):
            raise OutlineFileError(f"record at byte {body - 8} runs past the end of the file")
        shape_type = struct.unpack("<i", shp[body : body + 4])[0]
        if shape_type == NULL_SHAPE:
            records.append([])
            continue
        if shape_type != POLYGON:
            raise OutlineFileError(f"record at byte {body - 8} has shape type {shape_type}")
        parts, points = struct.unpack("<ii", shp[body + 36 : body + 44])
        starts = struct.unpack(f"<{parts}i", shp[body + 44 : body + 44 + 4 * parts])
        first = body + 44 + 4 * parts
        flat = struct.unpack(f"<{2 * points}d", shp[first : first + 16 * points])
        bounds = [*starts, points]
        records.append(
            [
                list(zip(flat[2 * a : 2 * b : 2], flat[2 * a + 1 : 2 * b : 2], strict=True))
                for a, b in pairwise(bounds)
            ]
        )
    return records


def read_dbf_column(dbf: bytes, column: str) -> list[str]:
    """One text column of a dBASE III table (the shapefile's attributes), record by record."""
    count, header_size, record_size = struct.unpack("<IHH", dbf[4:12])
    position, start = 32, 1  # each record opens with a one-byte deletion flag
    while position < header_size - 1 and dbf[position] != 0x0D:
        name = dbf[position : position + 11].split(b"\0", 1)[0].decode("ascii")
        width = dbf[position + 16]
        if name == column:
            return [
                dbf[at + start : at + start + width].decode("latin-1").strip()
                for at in range(header_size, header_size + count * record_size, record_size)
            ]
        start += width
        position += 32
    raise OutlineFileError(f"the attribute table has no column {column!r}")


def _distance_to_segment(point, a, b) -> float:
    (px, py), (ax, ay), (bx, by) = point, a, b
    dx, dy = bx - ax, by - ay
    length_sq = dx * dx + dy * dy
    if length_sq == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length_sq))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker with an explicit stack: keeps the end points and every point farther
    than `tolerance` from the line through its kept neighbours."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = first, 0.0
        for index in range(first + 1, last):
            d = _distance_to_segment(points[index], points[first], points[last])
            if d > distance:
                farthest, distance = index, d
        if distance > tolerance:
            keep[farthest] = True
            stack.extend(((first, farthest), (farthest, last)))
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _thin(points: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """Drop points closer than `step` to the last kept one: a linear pass that shrinks the
    500k-scale rings tenfold before the slower Douglas–Peucker pass."""
    kept = [points[0]]
    for x, y in points[1:-1]:
        if abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= step:
            kept.append((x, y))
    kept.append(points[-1])
    return kept


def _ring_outline(ring: list[tuple[float, float]]) -> tuple[tuple[float, float], ...] | None:
    projected = [project(lat, lon) for lon, lat in ring]
    xs = [x for x, _ in projected]
    ys = [y for _, y in projected]
    if max(max(xs) - min(xs), max(ys) - min(ys)) < SMALLEST_RING_KM:
        return None
    # A closed ring's two ends coincide, and Douglas–Peucker would see a zero-length base
    # line: split it at its farthest point from the start and simplify the halves.
    thinned = _thin(projected, TOLERANCE_KM / 4)
    far = max(range(len(thinned)), key=lambda i: math.dist(thinned[0], thinned[i]))
    first = simplify(thinned[: far + 1], TOLERANCE_KM)
    second = simplify(thinned[far:], TOLERANCE_KM)
    return tuple(first + second[1:])


@cache
def lower_48_outlines() -> Outlines:
    """The lower 48 states and DC, projected and simplified; read once per process."""
    shp = _package_file("shp").read_bytes()
    dbf = _package_file("dbf").read_bytes()
    codes, names = read_dbf_column(dbf, "STUSPS"), read_dbf_column(dbf, "NAME")
    polygons = read_polygons(shp)
    if not len(codes) == len(names) == len(polygons):
        raise OutlineFileError(
            f"{len(polygons)} shapes but {len(codes)} attribute rows: the files do not match"
        )
    states = []
    for code, name, rings in sorted(zip(codes, names, polygons, strict=True)):
        if code in OUTSIDE_LOWER_48:
            continue
        kept = tuple(r for r in (_ring_outline(ring) for ring in rings) if r is not None)
        if kept:
            states.append(StateOutline(code=code, name=name, rings=kept))
    return Outlines(states=tuple(states))
