"""The websocket origin check: scheme, host and port, compared as Django's CSRF check does.

Channels' AllowedHostsOriginValidator compares host names only, so a page served from any
port of an allowed host (another app on 127.0.0.1, say) could open a socket with the
user's cookies. Here an Origin is accepted exactly when it is the origin of the request
itself (its Host header being one of ALLOWED_HOSTS) or one of CSRF_TRUSTED_ORIGINS.
"""

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int


def origin_parse(value: str) -> Origin | None:
    """An http(s) origin with its port made explicit; None for anything else ("null",
    a path, a port that is no number)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    return Origin(parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme])


def _allowed_hosts() -> list[str]:
    # Django's own fallback for an empty ALLOWED_HOSTS in debug mode.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def _wildcard_match(entry: str, origin: Origin) -> bool:
    """ "https://*.example.com": the domain and its subdomains, as Django's CSRF check reads
    it, the port made explicit as everywhere here."""
    parts = urlsplit(entry)
    domain, port = split_domain_port(parts.netloc.replace("*", "", 1))
    if parts.scheme != origin.scheme or parts.scheme not in DEFAULT_PORTS or not domain:
        return False
    wanted_port = int(port) if port else DEFAULT_PORTS[parts.scheme]
    return origin.port == wanted_port and is_same_domain(origin.host, "." + domain.lstrip("."))


def _trusted(origin: Origin) -> bool:
    return any(
        _wildcard_match(entry, origin) if "*" in entry else origin_parse(entry) == origin
        for entry in settings.CSRF_TRUSTED_ORIGINS
    )


def origin_allowed(*, origin: str | None, scheme: str, host: str | None) -> bool:
    """origin: the Origin header; scheme: "http" or "https", as the request was made;
    host: its Host header."""
    if not origin or not host:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return False
    parsed = origin_parse(origin)
    if parsed is None:
        return False
    return parsed == origin_parse(f"{scheme}://{host}") or _trusted(parsed)


def request_scheme(scope: dict, headers: dict[bytes, str]) -> str:
    """http or https, as HttpRequest.is_secure() would say: a proxy's
    SECURE_PROXY_SSL_HEADER first, else the connection's own scheme."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        header = meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode()
        if header in headers:
            return "https" if headers[header].split(",")[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


class SameOriginValidator:
    """ASGI middleware: refuses (HTTP 403) a websocket whose Origin is not allowed."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator checks websocket connections only")
        headers = {name: value.decode("latin1") for name, value in scope.get("headers", [])}
        origin, host = headers.get(b"origin"), headers.get(b"host")
        scheme = request_scheme(scope, headers)
        if origin_allowed(origin=origin, scheme=scheme, host=host):
            return await self.application(scope, receive, send)
        log.warning(
            "websocket refused: origin %r is neither %s://%s nor in CSRF_TRUSTED_ORIGINS "
            "(or that host is not in ALLOWED_HOSTS)",
            origin,
            scheme,
            host,
        )
        return await WebsocketDenier()(scope, receive, send)
