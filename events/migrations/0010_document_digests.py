from django.db import migrations, models

import spacedevs.api.document_cache

DIGESTS = ("list_digest", "normal_digest", "detailed_digest")


def keep_digests_in_the_row(apps, schema_editor):
    """PLAIN storage for the digests, as for the fingerprint (0008): a row past TOAST's 2 KB threshold would
    otherwise have them, the one kind of column it may move, moved out of it, and a page would read its
    digests from the TOAST table. The columns' addition wrote every row with the default storage, so the rows
    are written again (as in 0009)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("events", "EventDocument")._meta.db_table)
    storage = ", ".join(f"ALTER COLUMN {quote(column)} SET STORAGE PLAIN" for column in DIGESTS)
    schema_editor.execute(f"ALTER TABLE {table} {storage}")
    schema_editor.execute(f"UPDATE {table} SET {quote('list')} = {quote('list')} || ''")


class Migration(migrations.Migration):
    dependencies = [("events", "0009_documents_moved_into_their_row")]

    operations = [
        migrations.AddField(
            model_name="eventdocument",
            name=name,
            field=models.GeneratedField(
                db_persist=True,
                expression=spacedevs.api.document_cache.TextSHA256(mode),
                output_field=models.CharField(max_length=64),
            ),
        )
        for mode, name in zip(("list", "normal", "detailed"), DIGESTS, strict=True)
    ] + [migrations.RunPython(keep_digests_in_the_row, migrations.RunPython.noop)]
