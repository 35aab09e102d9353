"""Network pages: master data as planners see it."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.live.corridors import corridor_load_list
from apps.live.network_selectors import lane_state_list
from apps.network.charts import map_summary, network_map
from apps.network.selectors import map_places_of, network_overview


@permission_required("accounts.view_twin", raise_exception=True)
def overview(request: HttpRequest) -> HttpResponse:
    network = network_overview()
    places = map_places_of(network.dcs, network.cross_docks, network.regions)
    # The lanes' lateness as the live projection stands; none before the first event.
    corridors = corridor_load_list(lane_state_list())
    return render(
        request,
        "network/overview.html",
        {
            "network": network,
            "network_map": network_map(places, corridors),
            "network_map_summary": map_summary(places, corridors),
        },
    )
