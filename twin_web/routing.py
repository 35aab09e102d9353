"""Websocket routes of every app, mounted by asgi.py behind session auth and an origin check."""

from apps.decisions.routing import websocket_urlpatterns as decision_routes
from apps.live.routing import websocket_urlpatterns as live_routes
from apps.scenarios.routing import websocket_urlpatterns as scenario_routes

websocket_urlpatterns = [*live_routes, *scenario_routes, *decision_routes]
