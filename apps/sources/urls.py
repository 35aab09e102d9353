"""The ingestion API's URLs: token-authenticated, so exempt from the sign-in requirement."""

from django.urls import URLPattern, URLResolver

from apps.sources.api import api


def _public(patterns: list) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _public(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback.login_required = False
    return patterns


api_patterns, api_app_name, api_namespace = api.urls
api_urls = (_public(api_patterns), api_app_name, api_namespace)
