"""Who calls the API: a source system's bearer token, checked once for every route, and the
401 or 403 that says why a call is refused."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.security import HttpBearer

from apps.sources.db_reuse import database_connection_reused
from apps.sources.models import SOURCES
from apps.sources.tokens import source_token_find

# RFC 6750: a 401 names the scheme and realm; "invalid_token" once a token was sent.
REALM = 'Bearer realm="twin"'


class ErrorOut(Schema):
    """Every refusal's body: what was wrong, in words a sender can act on."""

    detail: str


class TokenRefusedError(Exception):
    """No usable bearer token: answered 401, with the reason."""

    def __init__(self, reason: str, *, token_sent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.token_sent = token_sent


class SourceNotAllowedError(Exception):
    """A valid token of a source system this route does not serve: answered 403."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _listed(sources: tuple[str, ...]) -> str:
    return sources[0] if len(sources) == 1 else f"{', '.join(sources[:-1])} or {sources[-1]}"


def token_source(token: str, *, allowed: tuple[str, ...] = SOURCES) -> str:
    """The source system an active token belongs to, if it is one of `allowed`."""
    stored = source_token_find(token)
    if stored is None:
        raise TokenRefusedError("unknown token: it was never issued", token_sent=True)
    if stored.revoked_at is not None:
        raise TokenRefusedError(
            f"token {stored.prefix}… was revoked on {stored.revoked_at:%Y-%m-%d}", token_sent=True
        )
    if stored.source not in allowed:
        raise SourceNotAllowedError(
            f"a {stored.source} token may not call this: only {_listed(allowed)} tokens may"
        )
    return stored.source


class SourceTokenAuth(HttpBearer):
    """django-ninja's security for a route: request.auth is the calling source system."""

    def __init__(self, *, allowed: tuple[str, ...] = SOURCES) -> None:
        super().__init__()
        self.allowed = allowed

    def __call__(self, request: HttpRequest) -> str:
        # Parsed here rather than by django-ninja, whose own check logs the whole header of
        # any other scheme in debug mode: a secret sent as "Token …" or "Basic …" would
        # land in the log.
        header = request.headers.get(self.header, "")
        if not header:
            raise TokenRefusedError(
                "no Authorization header: send 'Authorization: Bearer <token>'", token_sent=False
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise TokenRefusedError(
                "the Authorization header must use the Bearer scheme", token_sent=False
            )
        if not token.strip():
            raise TokenRefusedError("the bearer token is empty", token_sent=False)
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> str:
        with database_connection_reused(request):
            return token_source(token, allowed=self.allowed)


def auth_errors_answer(api: NinjaAPI) -> None:
    """Make `api` answer a refused token with a 401 or 403 whose JSON detail says why."""

    @api.exception_handler(TokenRefusedError)
    def refused(request: HttpRequest, error: TokenRefusedError) -> HttpResponse:
        response = api.create_response(request, {"detail": error.reason}, status=401)
        challenge = f'{REALM}, error="invalid_token"' if error.token_sent else REALM
        response["WWW-Authenticate"] = challenge
        return response

    @api.exception_handler(SourceNotAllowedError)
    def not_allowed(request: HttpRequest, error: SourceNotAllowedError) -> HttpResponse:
        response = api.create_response(request, {"detail": error.reason}, status=403)
        response["WWW-Authenticate"] = f'{REALM}, error="insufficient_scope"'
        return response
