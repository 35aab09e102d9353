"""manage.py rebuild_live: rebuild every live projection from the event log."""

from django.core.management.base import BaseCommand, CommandError

from apps.live.projector import (
    live_state_reset,
    project_pending,
    projector_position,
    single_projector,
)


class Command(BaseCommand):
    help = (
        "Forget the live state and rebuild it from the event log, leaving out the events "
        "still in quarantine."
    )

    def handle(self, *args, **options):
        # Held from the reset to the end, so that a running projector waits for the rebuild
        # instead of taking turns with it.
        with single_projector() as mine:
            if not mine:
                raise CommandError("another projector is running: stop it, then rebuild")
            live_state_reset()
            result = project_pending()
        held = projector_position().quarantined
        left_out = f"; {held} in quarantine left out (see the Sources page)" if held else ""
        self.stdout.write(f"Rebuilt the live state from {result.applied} events{left_out}.")
