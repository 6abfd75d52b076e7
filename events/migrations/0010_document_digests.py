from django.db import migrations, models
from django.db.migrations.operations.base import Operation

import spacedevs.api.document_cache

DIGESTS = {"list_digest": "list", "normal_digest": "normal", "detailed_digest": "detailed"}


class AddDigestsInTheRow(Operation):
    """The documents' digests, an AddField each, added on PostgreSQL by one ALTER TABLE that also keeps them
    in the row (PLAIN storage, as the fingerprint: 0008). Adding a stored generated column rewrites the
    table under its lock: one AddField each would rewrite it three times, with the default storage, under
    which the rows past TOAST's 2 KB threshold have the digests, the one kind of column TOAST may still move,
    moved out of them (and a page would read its digests from the TOAST table)."""

    reversible = True

    def __init__(self):
        self.additions = [
            migrations.AddField(
                model_name="eventdocument",
                name=name,
                field=models.GeneratedField(
                    db_persist=True,
                    expression=spacedevs.api.document_cache.TextSHA256(mode),
                    output_field=models.CharField(max_length=64),
                ),
            )
            for name, mode in DIGESTS.items()
        ]

    def deconstruct(self):
        return self.__class__.__name__, [], {}

    def state_forwards(self, app_label, state):
        for addition in self.additions:
            addition.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            self._one_by_one(app_label, schema_editor, from_state, backwards=False)
            return
        model = to_state.apps.get_model(app_label, "eventdocument")
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        quote = schema_editor.quote_name
        clauses, params = [], []
        for name in DIGESTS:
            definition, definition_params = schema_editor.column_sql(model, model._meta.get_field(name))
            clauses.append(f"ADD COLUMN {quote(name)} {definition}")
            params += definition_params
        clauses += [f"ALTER COLUMN {quote(name)} SET STORAGE PLAIN" for name in DIGESTS]
        schema_editor.execute(f"ALTER TABLE {quote(model._meta.db_table)} {', '.join(clauses)}", params)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._one_by_one(app_label, schema_editor, to_state, backwards=True)

    def _one_by_one(self, app_label, schema_editor, before, backwards):
        """Each AddField in turn, between the states before and after it (as Django applies them)."""
        states = [before]
        for addition in self.additions:
            states.append(states[-1].clone())
            addition.state_forwards(app_label, states[-1])
        steps = list(zip(self.additions, states[:-1], states[1:], strict=True))
        for addition, earlier, later in reversed(steps) if backwards else steps:
            if backwards:
                addition.database_backwards(app_label, schema_editor, later, earlier)
            else:
                addition.database_forwards(app_label, schema_editor, earlier, later)

    def describe(self):
        return "Add the documents' digests, kept in their row"


class Migration(migrations.Migration):
    dependencies = [("events", "0009_documents_moved_into_their_row")]

    operations = [AddDigestsInTheRow()]
