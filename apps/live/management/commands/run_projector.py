"""manage.py run_projector: keep the live state current as events are committed, and push
it to the live pages."""

import signal

import redis
from django.conf import settings
from django.core.management.base import BaseCommand

from apps.live.projector import project_pending
from apps.live.push import Publisher
from apps.sources.log_head import CHANNEL

# A safety net: project this often even when no announcement arrives (Redis restarted, an
# announcement lost); the checkpoint makes extra runs free.
IDLE_TIMEOUT_S = 2.0


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Apply new events to the live state as soon as ingestion announces them."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="catch up, then exit")

    def handle(self, *args, once: bool, **options):
        signal.signal(signal.SIGTERM, _stop)
        client = redis.Redis.from_url(settings.REDIS_URL)
        listener = client.pubsub(ignore_subscribe_messages=True)
        listener.subscribe(CHANNEL)
        publisher = Publisher()
        try:
            while True:
                result = project_pending(client=client)
                if result.applied:
                    publisher.note(result.changed_dcs)
                    self.stdout.write(
                        f"applied {result.applied} events up to {result.last_event_id}"
                    )
                # A push held back by coalescing is due within the interval: wake for it.
                due_in = publisher.flush()
                if once:
                    return
                timeout = IDLE_TIMEOUT_S if due_in is None else min(due_in, IDLE_TIMEOUT_S)
                if listener.get_message(timeout=timeout) is not None:
                    # Drain announcements that piled up: one projection covers them all.
                    while listener.get_message(timeout=0):
                        pass
        except KeyboardInterrupt:
            return
        finally:
            publisher.close()
            listener.close()
            client.close()
