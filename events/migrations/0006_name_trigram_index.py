from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class OnPostgreSQL(migrations.RunSQL):
    """SQL that only PostgreSQL runs: SQLite searches names without an index."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("events", "0005_date_part_indexes")]

    operations = [
        TrigramExtension(),
        # `search` is DRF's icontains on name: UPPER(name::text) LIKE UPPER('%term%').
        OnPostgreSQL(
            'CREATE INDEX event_name_trigram ON events_event USING gin ((UPPER("name"::text)) gin_trgm_ops)',
            "DROP INDEX event_name_trigram",
        ),
    ]
