"""Benchmark: what the hardening of issue 16 costs.

1. Each new middleware (django-csp, django-axes) around a view that returns at once, against
   the same view bare, interleaved call by call: the time each adds to every request. A
   whole page takes 10-40 ms here, so that is the share to compare against.
2. One websocket's session check (a session read and a user read), which every open socket
   makes every SESSION_CHECK_S: what N sockets cost the database.
3. A sign-in, which axes now accompanies with its own reads and writes.

Run with `make bench`; prints figures.
"""

import statistics
import time

import pytest
from axes.middleware import AxesMiddleware
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from apps.accounts.roles import APPROVER
from apps.accounts.sockets import SESSION_CHECK_S, session_user_id

ROUNDS = 2000
# The view wrapped ÷ the view bare, set 2026-12-05 from the runs measured (CSP 7.68×,
# axes 1.24×): twice either fails.
GATES = {"django-csp": 12.0, "django-axes": 1.8}


def _per_call_us(handler, request) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        handler(request)
        times.append((time.perf_counter() - started) * 1e6)
    return times


@pytest.mark.django_db
def test_security_overhead_benchmark(role_user, bench):
    approver = role_user(APPROVER, username="bench")

    def view(request):
        return HttpResponse("<p>page</p>")

    request = RequestFactory().get("/decisions/")
    request.user = approver
    stacks = {"bare": view, "django-csp": CSPMiddleware(view), "django-axes": AxesMiddleware(view)}
    per_call: dict[str, list[float]] = {name: [] for name in stacks}
    for _ in range(5):
        for name, handler in stacks.items():
            per_call[name].extend(_per_call_us(handler, request))
    medians = {name: statistics.median(times) for name, times in per_call.items()}

    signed_in = Client()
    signed_in.force_login(approver)
    signed_in.get(reverse("decisions:list"))
    session_key = signed_in.session.session_key
    checks = []
    for _ in range(200):
        started = time.perf_counter()
        assert session_user_id(session_key) == approver.pk
        checks.append(time.perf_counter() - started)

    sign_ins = []
    for _ in range(20):
        client = Client()
        started = time.perf_counter()
        response = client.post(reverse("login"), {"username": "bench", "password": "s3cret-pass"})
        sign_ins.append(time.perf_counter() - started)
        assert response.status_code == 302

    bench.header(f"security overhead: {5 * ROUNDS:,} calls each, interleaved in 5 rounds")
    for name in ("django-csp", "django-axes"):
        added = medians[name] - medians["bare"]
        print(f"  {name}: adds {added:.1f} µs a request")
        bench.ratio(
            f"a request through {name} vs the bare view",
            f"{medians[name]:.1f} µs",
            f"{medians['bare']:.1f} µs bare",
            medians[name] / medians["bare"],
            gate=GATES[name],
        )
    check_ms = statistics.median(checks) * 1000
    print(f"  websocket session check: median {check_ms:.2f} ms; every {SESSION_CHECK_S:g} s "
          f"per socket, so 100 open sockets cost {100 / SESSION_CHECK_S * check_ms:.0f} ms of "
          "database work a second")  # fmt: skip
    print(f"  sign-in (password hash + axes): median {statistics.median(sign_ins) * 1000:.0f} ms "
          "of 20")  # fmt: skip
