"""Websocket routes of scenarios."""

from django.urls import path

from apps.scenarios.consumers import ComparisonConsumer

websocket_urlpatterns = [
    path("ws/scenarios/<int:pk>/", ComparisonConsumer.as_asgi()),
]
