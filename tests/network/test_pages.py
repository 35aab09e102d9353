"""The Network page shows the master data from the database, in a fixed number of queries."""

from apps.accounts.roles import VIEWER
from apps.network.models import DistributionCenter, Lane


def test_the_network_page_lists_dcs_lanes_carriers_and_a_map(client, role_user, demo_network):
    client.force_login(role_user(VIEWER))
    response = client.get("/network/")
    html = response.content.decode()
    for dc in DistributionCenter.objects.all():
        assert dc.name in html
    assert html.count("<tr>") >= Lane.objects.count() + 4
    assert "Ridgeline Express" in html
    assert 'data-plotly-figure="network-map-figure"' in html
    assert 'id="network-map-figure"' in html
    assert "vendor/plotly/plotly.min.js" in html
    figure = response.context["network_map"]
    dc_trace = next(t for t in figure["data"] if t.get("name") == "Distribution centres")
    assert sorted(dc_trace["text"]) == ["MW", "NE", "SE", "W"]


def test_the_network_page_query_count_does_not_grow_with_the_data(client, role_user, demo_network):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.network.models import Shift

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/network/").status_code == 200
        return len(captured.captured_queries)

    client.force_login(role_user(VIEWER))
    queries()  # caches that fill once per process (content types) are full
    the_demo = queries()
    lanes = Lane.objects.count()
    Lane.objects.exclude(pk=Lane.objects.order_by("code").first().pk).delete()
    Shift.objects.all().delete()
    assert lanes > 20 and Lane.objects.count() == 1
    assert queries() == the_demo


def test_plotly_and_htmx_are_served_from_our_own_static_files(client, role_user, demo_network):
    from django.contrib.staticfiles import finders

    client.force_login(role_user(VIEWER))
    html = client.get("/network/").content.decode()
    assert "cdn" not in html.lower()
    assert '<script src="/static/vendor/plotly/plotly.min.js"></script>' in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    for path in ("vendor/plotly/plotly.min.js", "django_htmx/htmx-2.min.js"):
        assert finders.find(path), f"{path} is not among our static files"
