"""Project-level views that belong to no single app."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from twin_web.navigation import nav_links


def home(request: HttpRequest) -> HttpResponse:
    """Send a signed-in user to the first page of the navigation they may open."""
    links = nav_links(request.user)
    if not links:
        raise PermissionDenied("Your account has no role yet: ask an administrator for one.")
    return redirect(links[0][1])
