"""The API's URLs (ingestion, and the decision feed the decisions app serves):
token-authenticated, so exempt from the sign-in requirement."""

from django.urls import URLPattern, URLResolver

from apps.decisions.api import router as decision_feed
from apps.sources.api import api


def _public(patterns: list) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _public(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback.login_required = False
    return patterns


api.add_router("/v1/decisions", decision_feed)
api_patterns, api_app_name, api_namespace = api.urls
api_urls = (_public(api_patterns), api_app_name, api_namespace)
