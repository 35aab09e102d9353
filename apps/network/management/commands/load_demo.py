"""manage.py load_demo: the demo network, and in development the demo users."""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts.services import demo_users_lines
from apps.network.selectors import network_counts
from apps.network.services import demo_network_load


class Command(BaseCommand):
    help = "Load the demo distribution network; with DEBUG on (or --users) also the demo users."

    def add_arguments(self, parser):
        users = parser.add_mutually_exclusive_group()
        users.add_argument(
            "--users", action="store_true", help="create demo users even with DEBUG off"
        )
        users.add_argument("--no-users", action="store_true", help="never create demo users")

    def handle(self, *args, users: bool, no_users: bool, **options):
        demo_network_load()
        counts = network_counts()
        self.stdout.write(
            "Demo network: " + ", ".join(f"{name} {count}" for name, count in counts.items())
        )
        if no_users or not (users or settings.DEBUG):
            return
        self.stdout.write("\n".join(demo_users_lines()))
