"""How far a comparison's run got (replications done, worker processes, time to go), and
its push to the comparison's open pages."""

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import Count, Q
from django.utils import timezone
from redis.exceptions import RedisError

from apps.scenarios.models import Comparison

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    eta_seconds: float | None
    workers: int  # worker processes that ran a replication of it

    @property
    def text(self) -> str:
        """As the page says it: "22 of 51 replications done on 2 worker processes, about
        40 s to go."."""
        text = f"{self.done} of {self.total} replications done"
        if self.workers:
            text += f" on {self.workers} worker process{'es' if self.workers > 1 else ''}"
        if self.eta_seconds:
            eta = self.eta_seconds
            text += (
                f", about {eta:.0f} s to go" if eta < 90 else f", about {eta / 60:.0f} min to go"
            )
        return text + "."

    def as_json(self) -> dict:
        return {**asdict(self), "text": self.text}


def comparison_progress(comparison: Comparison) -> Progress:
    # One query (it runs after every replication): the scenarios, the runs done, the workers.
    screened = Q(scenarios__screened_out__isnull=False)
    counts = Comparison.objects.filter(pk=comparison.pk).aggregate(
        racing=Count("scenarios", filter=~screened, distinct=True),
        done=Count("scenarios__runs"),
        # A scenario the racing screened out (screening.py) needs no more than it ran.
        screened_done=Count("scenarios__runs", filter=screened),
        workers=Count("scenarios__runs__worker", distinct=True),
    )
    done = counts["done"]
    total = counts["racing"] * comparison.replications + counts["screened_done"]
    eta = None
    # Only a run still going has time to go: a cancelled or failed one stopped short of total.
    running = comparison.status == Comparison.Status.RUNNING
    if running and done and comparison.submitted_at and done < total:
        elapsed = (timezone.now() - comparison.submitted_at) / timedelta(seconds=1)
        eta = elapsed / done * (total - done)
    return Progress(done, total, eta, counts["workers"])


def comparison_group(pk: int) -> str:
    return f"comparison.{pk}"


def progress_message(comparison: Comparison) -> dict:
    progress = comparison_progress(comparison)
    return {
        "type": "progress",
        "status": comparison.status,
        **progress.as_json(),
        "error": comparison.error,
    }


def progress_publish(comparison: Comparison) -> None:
    """Tell the comparison's open pages how far it got (best effort: the page also asks
    for the figures when it connects)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "progress.message", "message": progress_message(comparison)}
    try:
        async_to_sync(layer.group_send)(comparison_group(comparison.pk), message)
    except (OSError, RedisError):
        log.warning(
            "progress of comparison %s not pushed: channel layer unreachable", comparison.pk
        )
