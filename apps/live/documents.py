"""The JSON documents the live pages render and the websockets carry: one shape for both,
so that the first paint and every later update go through the same script."""

import math
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal

from apps.live import charts
from apps.live.corridors import corridor_load_list
from apps.live.network_selectors import (
    LaneState,
    NetworkKpis,
    alert_list,
    imbalance,
    lane_state_list,
    network_kpis,
)
from apps.live.projection_rules import HOUR, hour_of
from apps.live.selectors import (
    UTILISATION_HELP,
    checkpoint_position,
    dc_detail,
    dc_reading,
    latest_events,
    thresholds,
    unmeasured_note,
)
from apps.live.stock_selectors import stock_list
from apps.network.charts import corridor_traces, map_summary
from apps.network.selectors import map_place_list
from apps.sources.models import Event

DC_CHART_HOURS = 48


def _thresholds(high: float, low: float) -> dict:
    return {"high": high, "low": low, "high_pct": round(high * 100), "low_pct": round(low * 100)}


def _position() -> dict:
    last_event_id, watermark = checkpoint_position()
    return {"last_event_id": last_event_id, "watermark": jsonable(watermark)}


def network_document(
    *,
    dcs: set[str] | None = None,
    lanes: list[LaneState] | None = None,
    kpis: NetworkKpis | None = None,
    include_lanes: bool = True,
) -> dict:
    """The whole network as it stands; with `dcs`, only those DCs' cards (a delta); with
    `lanes` and `kpis`, those instead of fresh ones (the publisher refreshes these rolling
    7-day figures less often than the DC cards: they cost the most and change slowly);
    without `include_lanes`, no lanes and no lane map (the client has them already)."""
    position = _position()
    at = datetime.fromisoformat(position["watermark"]) if position["watermark"] else None
    reading = dc_reading(at=at)
    states = reading.states
    if lanes is None:
        lanes = lane_state_list(at=at)
    if kpis is None:
        kpis = network_kpis(at=at)
    gap = imbalance(states)
    high, low = thresholds()
    cards = []
    for state in states:
        if dcs is not None and state.dc not in dcs:
            continue
        first = hour_of(at) - HOUR * (len(state.lines_by_hour) - 1) if at else None
        cards.append(
            {
                **jsonable(state),
                "utilisation_percent": charts.whole_percent(state.labour_utilisation),
                "unmeasured": unmeasured_note(state, reading.unstaffed),
                "gauge": charts.utilisation_gauge(state.labour_utilisation, state.band, high, low),
                "sparkline": charts.sparkline(
                    [jsonable(first + HOUR * n) for n in range(len(state.lines_by_hour))],
                    list(state.lines_by_hour),
                    label="lines",
                ),
            }
        )
    document = {
        **position,
        "thresholds": _thresholds(high, low),
        "dcs": cards,
        "kpis": jsonable(kpis),
        "imbalance": {**jsonable(gap), "gap_points": gap.gap_points} if gap else None,
        "alerts": jsonable(alert_list(states, lanes)),
        "help": {"utilisation": UTILISATION_HELP},
    }
    if include_lanes:
        document["lanes"] = jsonable(lanes)
        document["lane_map"] = lane_map(lanes)
    return document


def lane_map(lanes: list[LaneState]) -> dict:
    """The map's lanes (its outlines and places are on the page already, see live.views),
    and the map in words for its text alternative."""
    places = map_place_list()
    corridors = corridor_load_list(lanes)
    return {
        "traces": corridor_traces(places, corridors),
        "summary": map_summary(places, corridors),
    }


def _event_line(event: Event) -> dict:
    payload = event.payload
    detail = ", ".join(
        f"{key}={payload[key]}"
        for key in ("order_id", "sku", "qty", "worker_id", "equipment_id", "status", "value")
        if key in payload
    )
    return {
        "id": event.id,
        "type": event.type,
        "occurred_at": jsonable(event.occurred_at),
        "detail": detail,
    }


def dc_document(*, dc: str) -> dict:
    """One DC in detail: its state, the last two days by hour, stock and latest events."""
    position = _position()
    at = datetime.fromisoformat(position["watermark"]) if position["watermark"] else None
    reading, points = dc_detail(dc=dc, at=at, hours=DC_CHART_HOURS)
    state = reading.states[0]
    hours = jsonable(points)
    high, low = thresholds()
    return {
        **position,
        "thresholds": _thresholds(high, low),
        "dc": {
            **jsonable(state),
            "utilisation_percent": charts.whole_percent(state.labour_utilisation),
            "gauge": charts.utilisation_gauge(state.labour_utilisation, state.band, high, low),
            "on_shift_text": charts.on_shift_text(state.workers_on_shift),
            "unmeasured": unmeasured_note(state, reading.unstaffed),
        },
        "charts": {
            "utilisation": charts.hourly_utilisation(hours, high, low),
            "throughput": charts.hourly_throughput(hours),
            "backlog": charts.hourly_backlog(hours),
            "labour": charts.labour_by_role(state.workers_on_shift),
        },
        "stock": jsonable(stock_list(dc=dc, at=at)),
        "events": [_event_line(event) for event in latest_events(dc=dc)],
        "help": {"utilisation": UTILISATION_HELP},
    }


def jsonable(value):
    """Dataclasses, datetimes and decimals as JSON-ready values, for the page and the push."""
    if hasattr(value, "__dataclass_fields__"):
        # Field by field rather than through asdict, which deep-copies every value first:
        # a push converts some five thousand values, and the copies cost more than the rest.
        return {item.name: jsonable(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
