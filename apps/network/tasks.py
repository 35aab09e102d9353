"""Celery tasks of the network app."""

from celery import shared_task

from apps.network.selectors import network_counts


@shared_task
def network_counts_task() -> dict[str, int]:
    """Master data counts, as a worker sees them: proves a worker reaches the database."""
    return network_counts()
