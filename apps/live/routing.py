"""Websocket routes of the live pages."""

from django.urls import path

from apps.live.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
    path("ws/live/dc/<str:dc>/", LiveConsumer.as_asgi()),
]
