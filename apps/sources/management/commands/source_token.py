"""manage.py source_token create|revoke SOURCE: bearer tokens for the ingestion API."""

from django.core.management.base import BaseCommand, CommandError

from apps.sources.models import SOURCES
from apps.sources.tokens import UnknownSourceError, source_token_create, source_token_revoke


class Command(BaseCommand):
    help = "Create or revoke a source system's bearer token for POST /api/v1/events."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("source", help=f"one of {', '.join(SOURCES)}")
        parser.add_argument("--label", default="", help="a note on who uses the token")
        parser.add_argument("--prefix", default="", help="revoke only tokens starting so")

    def handle(self, *args, action: str, source: str, label: str, prefix: str, **options):
        try:
            if action == "create":
                token = source_token_create(source=source, label=label)
                self.stdout.write(token)
                self.stderr.write(f"Token for {source} created; it is shown only this once.")
                return
            revoked = source_token_revoke(source=source, prefix=prefix)
        except UnknownSourceError as error:
            raise CommandError(str(error)) from None
        if not revoked:
            raise CommandError(f"no active {source} token{' with that prefix' if prefix else ''}")
        self.stdout.write(f"Revoked {revoked} {source} token(s).")
