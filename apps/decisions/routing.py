"""Websocket routes of decisions."""

from django.urls import path

from apps.decisions.consumers import PendingConsumer

websocket_urlpatterns = [
    path("ws/decisions/pending/", PendingConsumer.as_asgi()),
]
