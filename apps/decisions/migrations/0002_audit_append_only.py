"""The audit trail refuses UPDATE and DELETE in PostgreSQL itself, whatever the client.

Not on SQLite: its test flush deletes rows one table at a time, which a trigger would stop;
there the model and its queryset guard the trail."""

from django.db import migrations

CREATE = """
CREATE FUNCTION decisions_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the decisions audit trail is append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER decisions_audit_append_only
    BEFORE UPDATE OR DELETE ON decisions_auditentry
    FOR EACH ROW EXECUTE FUNCTION decisions_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS decisions_audit_append_only ON decisions_auditentry;
DROP FUNCTION IF EXISTS decisions_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
