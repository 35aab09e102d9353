"""manage.py source_token create|revoke."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.sources.models import SourceToken
from apps.sources.tokens import source_for_token, token_hash


def test_create_prints_a_token_that_is_stored_only_hashed(db):
    out = StringIO()
    call_command(
        "source_token", "create", "wms", "--label", "WMS prod", stdout=out, stderr=StringIO()
    )
    token = out.getvalue().strip()
    assert token.startswith("twin_wms_")
    stored = SourceToken.objects.get()
    assert stored.token_hash == token_hash(token) and token not in stored.token_hash
    assert source_for_token(token) == "wms"


def test_revoke_stops_the_token(db):
    out = StringIO()
    call_command("source_token", "create", "tms", stdout=out, stderr=StringIO())
    token = out.getvalue().strip()
    call_command("source_token", "revoke", "tms", stdout=StringIO())
    assert source_for_token(token) is None
    with pytest.raises(CommandError, match="no active tms token"):
        call_command("source_token", "revoke", "tms", stdout=StringIO())


def test_an_unknown_source_is_refused(db):
    with pytest.raises(CommandError, match="unknown source 'sap'"):
        call_command("source_token", "create", "sap", stdout=StringIO(), stderr=StringIO())
