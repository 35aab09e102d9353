"""The comparison status and results as JSON, for scripts and the comparison page."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from apps.scenarios.models import Comparison
from apps.scenarios.selectors import comparison_document


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def comparison_status(request: HttpRequest, pk: int) -> JsonResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    return JsonResponse(comparison_document(comparison))
