"""manage.py source_token create|revoke SOURCE: bearer tokens for the ingestion API;
provision --file F: a token per source kept in F, for the demo enterprise."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.sources.models import SOURCES
from apps.sources.tokens import (
    UnknownSourceError,
    source_for_token,
    source_token_create,
    source_token_revoke,
)


class Command(BaseCommand):
    help = "Create or revoke a source system's bearer token for POST /api/v1/events."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke", "provision"])
        parser.add_argument("source", nargs="?", help=f"one of {', '.join(SOURCES)}")
        parser.add_argument(
            "--file",
            type=Path,
            help="provision: the JSON file of a token per source; tokens in it that are "
            "still active are kept, the others created and written (readable by owner only)",
        )
        parser.add_argument("--label", default="", help="a note on who uses the token")
        parser.add_argument("--prefix", default="", help="revoke only tokens starting so")

    def handle(self, *args, action: str, source: str, label: str, prefix: str, **options):
        if action == "provision":
            self._provision(options["file"], label or "demo enterprise")
            return
        if not source:
            raise CommandError(f"{action} needs a source: one of {', '.join(SOURCES)}")
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

    def _provision(self, path: Path | None, label: str) -> None:
        if path is None:
            raise CommandError("provision needs --file")
        try:
            kept = json.loads(path.read_text())
        except FileNotFoundError:
            kept = {}
        except (OSError, ValueError) as error:
            raise CommandError(f"{path}: not a token file ({error}); remove it") from None
        if not isinstance(kept, dict):
            raise CommandError(f"{path}: not a token file (expected an object); remove it")
        tokens, created = {}, []
        for source in SOURCES:
            token = kept.get(source)
            if isinstance(token, str) and source_for_token(token) == source:
                tokens[source] = token
            else:
                tokens[source] = source_token_create(source=source, label=label)
                created.append(source)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(tokens, indent=2))
        partial.chmod(0o600)
        partial.replace(path)
        made = f"created for {', '.join(created)}" if created else "all still active"
        self.stdout.write(f"Tokens in {path}: {made}.")
