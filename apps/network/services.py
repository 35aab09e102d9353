"""Writes of network master data: loading the demo network."""

import copy
from functools import cache
from pathlib import Path

from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, models, transaction

from apps.network.demo import DEMO_NETWORK_FIXTURE


@transaction.atomic
def demo_network_load(*, fixture: Path = DEMO_NETWORK_FIXTURE) -> None:
    """Load the demo network; rows carry fixed primary keys, so loading twice changes nothing.

    One upsert per model, where loaddata saved row by row (an UPDATE, then an INSERT, for
    each of 421 rows: 0.5-0.9 s, paid by every test that starts from the demo network).
    Foreign keys are deferred to the commit, which lets the regions and their home DCs,
    which refer to each other, load in the fixture's order.
    """
    loaded = []
    for model, rows in _fixture_rows(fixture, fixture.stat().st_mtime_ns):
        values = [f.name for f in model._meta.concrete_fields if not f.primary_key]
        model.objects.bulk_create(
            [model(**copy.deepcopy(row)) for row in rows],
            update_conflicts=True,
            unique_fields=[model._meta.pk.name],
            update_fields=values,
        )
        loaded.append(model)
    # As loaddata does: a row created afterwards without a key must not collide with these.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), loaded):
            cursor.execute(statement)


@cache
def _fixture_rows(fixture: Path, _modified_ns: int) -> list[tuple[type[models.Model], list[dict]]]:
    """The fixture's rows by model, in the fixture's order, as field values: read once a
    process and again if the file changes; each load builds its own instances from them."""
    by_model: dict[type[models.Model], list[dict]] = {}
    with fixture.open() as stream:
        for deserialized in serializers.deserialize("json", stream):
            instance = deserialized.object
            if deserialized.m2m_data:
                raise ValueError(f"{fixture}: many-to-many data is not loaded here")
            by_model.setdefault(type(instance), []).append(
                {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
            )
    return list(by_model.items())
