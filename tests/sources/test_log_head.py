"""The hand-off: after commit the log head in Redis advances, never backwards, and readers
hear of every commit."""

import redis
from django.conf import settings

from apps.sources.log_head import CHANNEL, HEAD_KEY, event_log_advanced, event_log_head
from apps.sources.models import Event
from tests.sources.events import event


def reset_head() -> None:
    redis.Redis.from_url(settings.REDIS_URL).delete(HEAD_KEY)


def test_a_committed_batch_advances_the_head_to_its_last_event(
    post, django_capture_on_commit_callbacks
):
    reset_head()
    with django_capture_on_commit_callbacks(execute=True):
        post([event("erp.order_cancelled") for _ in range(3)])
    assert event_log_head() == Event.objects.order_by("-id").first().id


def test_the_head_never_moves_backwards_and_every_commit_is_announced():
    reset_head()
    client = redis.Redis.from_url(settings.REDIS_URL)
    listener = client.pubsub()
    listener.subscribe(CHANNEL)
    listener.get_message(timeout=1)  # the subscription confirmation
    event_log_advanced(40)
    event_log_advanced(25)  # a late callback of an earlier batch
    assert event_log_head() == 40
    # Both are announced: a head left over from an older database must not silence readers.
    assert listener.get_message(timeout=2)["data"] == b"40"
    assert listener.get_message(timeout=2)["data"] == b"25"
    listener.close()


def test_an_unreachable_redis_does_not_fail_ingestion(
    post, settings, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    with django_capture_on_commit_callbacks(execute=True):
        body = post([event("erp.order_cancelled")]).json()
    assert body["accepted"] == 1


def test_after_a_failure_ingestion_does_not_wait_on_redis_again_at_once(settings, caplog):
    # Another URL than the test above's: the quiet period is kept per Redis URL.
    settings.REDIS_URL = "redis://127.0.0.1:2/0"
    event_log_advanced(1)
    event_log_advanced(2)
    warnings = [r for r in caplog.records if r.name == "apps.sources.log_head"]
    assert len(warnings) == 1
    assert "not trying again" in warnings[0].getMessage()
