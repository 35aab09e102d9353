"""Fixtures for the sources tests: tokens and a client that posts batches."""

import json

import pytest

from apps.sources.tokens import source_token_create


@pytest.fixture
def token(demo_network):
    """A token per source, over the demo master data."""
    return {
        source: source_token_create(source=source) for source in ("erp", "wms", "tms", "crm", "iot")
    }


@pytest.fixture
def post(client, token):
    def post(
        items,
        *,
        source: str = "erp",
        body: str | bytes | None = None,
        content_type: str = "application/json",
        auth: str | None = None,
    ):
        data = body if body is not None else json.dumps(items)
        headers = {"HTTP_AUTHORIZATION": auth if auth is not None else f"Bearer {token[source]}"}
        return client.post("/api/v1/events", data=data, content_type=content_type, **headers)

    return post
