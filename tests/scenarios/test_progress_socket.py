"""A comparison's progress over its websocket: real daphne, real client, real Redis."""

import pytest
from django.utils import timezone
from websockets.exceptions import InvalidStatus

from apps.accounts.roles import VIEWER
from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.scenarios.models import Comparison
from apps.scenarios.services import (
    comparison_cancel,
    comparison_create,
    comparison_freeze,
    replication_execute,
)
from tests.calibration.history import day, emulated_history
from tests.conftest import run_in_thread
from tests.live.test_push import open_socket, receive, session_cookie
from tests.scenarios.test_runs import spec

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_progress_arrives_after_each_replication_and_when_the_run_ends(
    start_daphne, role_user, demo_network
):
    emulated_history(days=0.5)
    calibrate(window=Window(day(0), day(0.5)))
    comparison = comparison_create(spec=spec(horizon_days=1.5, replications=2))
    comparison_freeze(comparison)
    comparison.status = Comparison.Status.RUNNING
    comparison.submitted_at = timezone.now()
    comparison.save()
    base_url = start_daphne()
    path = f"/ws/scenarios/{comparison.pk}/"
    with pytest.raises(InvalidStatus):
        open_socket(base_url, path, cookie=None)
    cookie = session_cookie(role_user(VIEWER))
    with pytest.raises(InvalidStatus):
        open_socket(base_url, f"/ws/scenarios/{comparison.pk + 100}/", cookie=cookie)
    with open_socket(base_url, path, cookie=cookie) as socket:
        first = receive(socket, kind="progress")
        assert (first["status"], first["done"], first["total"]) == ("running", 0, 6)
        baseline = comparison.scenarios.get(is_baseline=True)
        assert run_in_thread(replication_execute, baseline.pk, 0, timeout_s=120)
        after = receive(socket, kind="progress", timeout_s=30)
        assert (after["done"], after["total"]) == (1, 6) and after["eta_seconds"] > 0
        run_in_thread(comparison_cancel, comparison)
        ended = receive(socket, kind="progress", timeout_s=30)
        assert ended["status"] == "cancelled" and ended["done"] == 1
