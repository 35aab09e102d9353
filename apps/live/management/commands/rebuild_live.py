"""manage.py rebuild_live: rebuild every live projection from the event log."""

from django.core.management.base import BaseCommand, CommandError

from apps.live.projector import live_state_reset, project_pending


class Command(BaseCommand):
    help = "Forget the live state and rebuild it from the event log."

    def handle(self, *args, **options):
        live_state_reset()
        result = project_pending()
        if result.locked_out:
            raise CommandError("another projector is running: stop it, then rebuild")
        self.stdout.write(f"Rebuilt the live state from {result.applied} events.")
