"""Websocket routes of every app, mounted by asgi.py behind session auth and an origin check."""

websocket_urlpatterns: list = []
