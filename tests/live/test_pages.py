"""The live pages: who may open them, what they embed, and a bounded number of queries."""

import json

from apps.accounts.roles import VIEWER
from apps.live.projector import project_pending
from tests.live.stream import clock, happened, ingest, pick


def embedded_document(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="live-document" type="application/json">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_the_live_network_page_embeds_the_state_for_its_first_paint(
    client, role_user, demo_network, django_assert_max_num_queries
):
    ingest(clock("P1", "picker", "in", 0), pick(60, 1800),
           happened("wms.order_released", 30, order_id="SO-1", dc="NE"))  # fmt: skip
    project_pending()
    client.force_login(role_user(VIEWER))
    # However many DCs, lanes and events there are, the page costs the same few queries.
    with django_assert_max_num_queries(30):
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
