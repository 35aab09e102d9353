"""The Celery app: broker and results on REDIS_URL, tasks found in each app's tasks.py."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twin_web.settings")

app = Celery("twin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A replication allocates millions of short-lived objects and few cycles: with the default
# threshold (700) the collector scans the young generation thousands of times for nothing.
# Timed on 14-day demo replications, 4 each way: median 1.10 s against 1.28 s with the
# default, and the same peak memory (97 MB).
YOUNG_GENERATION_THRESHOLD = 50_000


@worker_process_init.connect
def _tune_garbage_collector(**_kwargs) -> None:
    gc.freeze()  # what the process inherited at fork is long-lived: never scan it again
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 20, 100)
