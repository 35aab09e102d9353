"""manage.py run_projector: keep the live state current as events are committed, push it to
the live pages, and keep doing so while Redis comes and goes."""

from django.core.management.base import BaseCommand

from apps.live.log_follower import log_follow


class Command(BaseCommand):
    help = "Apply new events to the live state as soon as ingestion announces them."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="catch up, then exit")
        parser.add_argument(
            "--summary-every", type=float, default=60.0, metavar="SECONDS",
            help="log a summary line (events applied, rate, lag) this often (default 60)",
        )  # fmt: skip

    def handle(self, *args, once: bool, summary_every: float, **options):
        log_follow(once=once, summary_every_s=summary_every)
