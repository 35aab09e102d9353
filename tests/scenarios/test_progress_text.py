"""A run's progress line: an estimate of the time to go while it runs, none once it has
stopped short (cancelled or failed); cancelling asks first."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import PLANNER
from apps.scenarios.models import Comparison, ReplicationRun
from apps.scenarios.progress import comparison_progress
from tests.scenarios.builders import known_comparison


@pytest.fixture
def two_thirds_done(db) -> Comparison:
    comparison = known_comparison()
    ReplicationRun.objects.filter(scenario__comparison=comparison, replication=2).delete()
    comparison.status = Comparison.Status.RUNNING
    comparison.submitted_at = timezone.now() - timedelta(seconds=30)
    comparison.finished_at = None
    comparison.save()
    return comparison


def test_a_running_comparison_says_how_long_it_has_to_go(two_thirds_done):
    progress = comparison_progress(two_thirds_done)
    assert progress.done == 6 and progress.total == 9
    assert progress.eta_seconds == pytest.approx(15, abs=2)
    assert "about 15 s to go" in progress.text


@pytest.mark.parametrize("status", [Comparison.Status.CANCELLED, Comparison.Status.FAILED])
def test_a_stopped_comparison_has_no_time_to_go(two_thirds_done, status):
    two_thirds_done.status = status
    two_thirds_done.save()
    progress = comparison_progress(two_thirds_done)
    assert progress.eta_seconds is None
    assert progress.text == "6 of 9 replications done on 1 worker process."


def test_cancelling_a_run_asks_for_confirmation_first(client, role_user, two_thirds_done):
    client.force_login(role_user(PLANNER))
    html = client.get(reverse("scenarios:detail", args=[two_thirds_done.pk])).content.decode()
    form = html[html.index("<form hx-post") : html.index("Cancel the run</button>")]
    assert reverse("scenarios:cancel", args=[two_thirds_done.pk]) in form
    assert 'hx-confirm="Cancel this run?' in form
