"""The live pages: who may open them, what they embed, and a bounded number of queries."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import VIEWER
from apps.live.projector import project_pending
from apps.network.models import Lane
from tests.live.stream import at, clock, happened, ingest, pick

DCS = ("NE", "SE", "MW", "W")


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def busy_floor(dc: str, n: int) -> list[dict]:
    """A DC with workers in, picks, a backlog, a machine down, a warm sensor, a lane moving
    and a complaint: one of each row every card, alert and table of the pages shows."""
    lane = Lane.objects.filter(origin_dc__code=dc).order_by("code").first()
    return [
        clock(f"{dc}-P{n}", "picker", "in", 0, dc=dc),
        clock(f"{dc}-K{n}", "packer", "in", 0, dc=dc),
        pick(50 + n, 900, dc=dc),
        pick(55 + n, 600, error=True, dc=dc),
        happened("wms.order_released", 30, order_id=f"SO-{dc}-{n}", dc=dc),
        happened("wms.equipment_status", 20, dc=dc, equipment_id=f"{dc}-FL-{n}"),
        happened("iot.reading", 40, dc=dc, sensor_id=f"{dc}-T{n}", value=31.0),
        happened("tms.tender", 45, shipment_id=f"SH-{dc}-{n}", lane=lane.code,
                 carrier=lane.carrier.code),
        happened("tms.tracking", 46, shipment_id=f"SH-{dc}-{n}", status="picked_up",
                 at=at(46)),
        happened("crm.complaint_opened", 47, complaint_id=f"CMP-{dc}-{n}",
                 order_id=f"SO-{dc}-{n}"),
    ]  # fmt: skip


@pytest.mark.parametrize("url", ["/live/", "/live/dc/NE/"])
def test_a_live_pages_query_count_does_not_grow_with_the_data(client, role_user, demo_network, url):
    ingest(*busy_floor("NE", 0))
    project_pending()
    client.force_login(role_user(VIEWER))
    queries_of(client, url)  # caches that fill once per process (content types) are full
    one_dc_one_of_each = queries_of(client, url)
    ingest(*[row for dc in DCS for n in range(1, 4) for row in busy_floor(dc, n)])
    project_pending()
    every_dc_four_of_each = queries_of(client, url)
    assert every_dc_four_of_each == one_dc_one_of_each


def embedded_document(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="live-document" type="application/json">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_the_live_network_page_embeds_the_state_for_its_first_paint(
    client, role_user, demo_network
):
    ingest(clock("P1", "picker", "in", 0), pick(60, 1800),
           happened("wms.order_released", 30, order_id="SO-1", dc="NE"))  # fmt: skip
    project_pending()
    client.force_login(role_user(VIEWER))
    response = client.get("/live/")
    assert response.status_code == 200
    document = embedded_document(response)
    ne = next(dc for dc in document["dcs"] if dc["dc"] == "NE")
    assert ne["labour_utilisation"] == 0.5 and ne["backlog_orders"] == 1
    assert ne["gauge"]["data"][0]["value"] == 50.0
    assert document["thresholds"] == {"high": 0.9, "low": 0.65, "high_pct": 90, "low_pct": 65}
    assert b'data-socket="/ws/live/"' in response.content


def test_the_dc_page_shows_one_dc_and_refuses_unknown_ones(client, role_user, demo_network):
    client.force_login(role_user(VIEWER))
    response = client.get("/live/dc/SE/")
    assert response.status_code == 200
    assert embedded_document(response)["dc"]["dc"] == "SE"
    assert b'data-socket="/ws/live/dc/SE/"' in response.content
    assert client.get("/live/dc/XX/").status_code == 404


def test_live_pages_need_the_viewer_role(client, role_user, demo_network):
    assert client.get("/live/")["Location"].startswith("/login/")
    client.force_login(role_user())
    assert client.get("/live/").status_code == 403
    assert client.get("/live/dc/NE/").status_code == 403
