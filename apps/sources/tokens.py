"""Source systems' bearer tokens for the ingestion API: created, revoked, recognised.

Only a token's hash is stored; the token itself is shown once, when it is created.
"""

import hashlib
import secrets

from django.utils import timezone

from apps.sources.models import SOURCES, SourceToken


class UnknownSourceError(ValueError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def source_token_create(*, source: str, label: str = "") -> str:
    """A new bearer token for a source system; the token itself is shown only now."""
    if source not in SOURCES:
        raise UnknownSourceError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    token = f"twin_{source}_{secrets.token_urlsafe(32)}"
    SourceToken.objects.create(
        source=source, label=label, token_hash=token_hash(token), prefix=token[:14]
    )
    return token


def source_token_revoke(*, source: str, prefix: str = "") -> int:
    """Revoke a source's active tokens (those starting with prefix, if given); how many."""
    if source not in SOURCES:
        raise UnknownSourceError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    tokens = SourceToken.objects.filter(source=source, revoked_at__isnull=True)
    if prefix:
        tokens = tokens.filter(prefix__startswith=prefix[:14])
    return tokens.update(revoked_at=timezone.now())


def source_for_token(token: str) -> str | None:
    """The source system an active token belongs to, or None."""
    found = (
        SourceToken.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .values_list("source", flat=True)
        .first()
    )
    return found


def source_token_find(token: str) -> SourceToken | None:
    """The stored token, active or revoked, that a bearer token is, or None if none is."""
    return SourceToken.objects.filter(token_hash=token_hash(token)).first()
