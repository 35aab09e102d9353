"""The live pages: the network at a glance and one DC in detail, kept current by websocket."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from apps.live.documents import dc_document, network_document
from apps.network.charts import map_backdrop
from apps.network.models import DistributionCenter
from apps.network.selectors import map_place_list


@permission_required("accounts.view_twin", raise_exception=True)
def network(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "live/network.html",
        {"document": network_document(), "map_backdrop": map_backdrop(map_place_list())},
    )


@permission_required("accounts.view_twin", raise_exception=True)
def dc_detail(request: HttpRequest, code: str) -> HttpResponse:
    dc = get_object_or_404(DistributionCenter, code=code)
    return render(request, "live/dc.html", {"dc": dc, "document": dc_document(dc=dc.code)})
