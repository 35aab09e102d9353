"""Read a running twin's database from outside it: `python -m tests.twin_web.twin_probe CMD`.

The chaos and newcomer tests start a whole twin on a database of its own; the test process's
Django is bound to the test database, so they ask this script, run with the twin's
DATABASE_URL, and read its one line of JSON.
"""

import json
import os
import sys
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twin_web.settings")
django.setup()

from django.db import models  # noqa: E402

from apps.live.models import ProjectorCheckpoint  # noqa: E402
from apps.live.projector import PROJECTIONS  # noqa: E402
from apps.network.models import DistributionCenter, Sku  # noqa: E402
from apps.sources.models import Event  # noqa: E402

# Hourly sums of seconds are added batch by batch live and in other batches by a rebuild:
# equal up to float rounding.
FLOAT_DIGITS = 6


def _plain(value):
    if isinstance(value, float):
        return round(value, FLOAT_DIGITS)
    if isinstance(value, Decimal):
        return str(value.normalize())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def fingerprint() -> dict[str, list]:
    """Every projection's rows, without their ids, sorted: equal states give equal lists."""
    found = {}
    for model in PROJECTIONS:
        if model is ProjectorCheckpoint:
            continue
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if not isinstance(f, models.AutoField) and not getattr(f, "auto_now", False)
        ]
        rows = [[_plain(v) for v in row] for row in model.objects.values_list(*names)]
        found[model.__name__] = sorted(rows, key=repr)
    return found


def stored(prefix: str) -> list[str]:
    return list(
        Event.objects.filter(event_id__startswith=prefix).values_list("event_id", flat=True)
    )


def codes() -> dict:
    return {
        "dc": DistributionCenter.objects.order_by("code").values_list("code", flat=True)[0],
        "sku": Sku.objects.order_by("code").values_list("code", flat=True)[0],
    }


def main(argv: list[str]) -> None:
    command = argv[0]
    if command == "fingerprint":
        answer = fingerprint()
    elif command == "stored":
        answer = stored(argv[1])
    elif command == "codes":
        answer = codes()
    else:
        raise SystemExit(f"unknown command {command!r}")
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
