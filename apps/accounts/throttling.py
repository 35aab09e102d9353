"""Sign-in throttling: who a sign-in attempt comes from, and what a locked-out person sees.

django-axes counts the failures and decides the lock-out (settings: LOGIN_FAILURE_LIMIT,
LOGIN_LOCKOUT_MINUTES); these are the two hooks it calls.
"""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

# Too Many Requests: the right password is refused for a while, not forbidden for good.
LOCKED_OUT_STATUS = 429


# Where the sign-in came from when nothing trustworthy says so (a valid address, as the
# database column wants one, and never a real client's).
UNVERIFIED_ADDRESS = "0.0.0.0"


def client_ip_address(request: HttpRequest) -> str | None:
    """The address failures are counted against.

    Behind TRUSTED_PROXY_COUNT proxies, each appending the address it saw, the client is
    the entry the outermost proxy wrote; the entries before it are what the client sent,
    and anyone could send a fresh one with every guess. daphne's --proxy-headers (the
    Procfile's) puts the first entry, the client's own claim, in REMOTE_ADDR: so a
    request forwarded by no proxy we were told of counts as from UNVERIFIED_ADDRESS, all
    such requests sharing one count per username, rather than from an address it chose.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if not forwarded:
        return request.META.get("REMOTE_ADDR")
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return UNVERIFIED_ADDRESS


def lockout_message() -> str:
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return (
        "Too many failed sign-ins for this account from your address: try again in "
        f"{minutes} minute{'' if minutes == 1 else 's'}, or ask an administrator to unlock "
        "it (manage.py axes_reset_username)."
    )


def lockout_response(request: HttpRequest, *_ignored) -> HttpResponse:
    """The sign-in page again, saying why the sign-in was refused.

    axes passes (request, original_response, credentials) on sync requests and
    (request, credentials) on async ones; neither is needed here. The form is unbound:
    a bound one would authenticate again while rendering, one more failure counted.
    """
    username = request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_out": lockout_message(),
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return TemplateResponse(
        request, "registration/login.html", context, status=LOCKED_OUT_STATUS
    ).render()
