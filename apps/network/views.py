"""Network pages: master data as planners see it."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.network.charts import network_map
from apps.network.selectors import network_overview


@permission_required("accounts.view_twin", raise_exception=True)
def overview(request: HttpRequest) -> HttpResponse:
    network = network_overview()
    return render(
        request,
        "network/overview.html",
        {"network": network, "network_map": network_map(network)},
    )
