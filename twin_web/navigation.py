"""The main navigation: an entry shows only once its page exists and the user may open it."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from apps.decisions.services import pending_count


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    permission: str


# In the order a planner's day runs; later apps add their pages by defining these URL names.
NAVIGATION = (
    NavEntry("Live", "live:network", "accounts.view_twin"),
    NavEntry("Scenarios", "scenarios:list", "accounts.view_twin"),
    NavEntry("Decisions", "decisions:list", "accounts.view_twin"),
    NavEntry("Models", "calibration:models", "accounts.view_twin"),
    NavEntry("Sources", "sources:status", "accounts.plan"),
    NavEntry("Import history", "imports:list", "accounts.view_twin"),
    NavEntry("Network", "network:overview", "accounts.view_twin"),
)


def nav_links(user) -> list[tuple[str, str]]:
    """(label, url) of each existing page this user may open."""
    links = []
    for entry in NAVIGATION:
        if not user.has_perm(entry.permission):
            continue
        try:
            links.append((entry.label, reverse(entry.url_name)))
        except NoReverseMatch:
            continue
    return links


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    context = {
        "nav_links": [(label, url, request.path.startswith(url)) for label, url in nav_links(user)]
    }
    if user.has_perm("accounts.approve"):
        context["pending_decisions"] = pending_count()
    return context
