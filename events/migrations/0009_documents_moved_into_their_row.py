from django.db import migrations

MODES = ("list", "normal", "detailed")


def move_into_their_row(apps, schema_editor):
    """Writes every stored document again, so that those written before 0008 are kept as it says too (a
    value takes the storage its column has when the value is written). `x || ''` is a new value of the
    same text: `SET x = x` would keep the value where it is. Its own migration, so that 0008's lock on the
    table is not held while the rows are written: readers still read the rows as they were meanwhile."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("events", "EventDocument")._meta.db_table)
    columns = ", ".join(f"{quote(mode)} = {quote(mode)} || ''" for mode in MODES)
    schema_editor.execute(f"UPDATE {table} SET {columns}")


class Migration(migrations.Migration):
    dependencies = [("events", "0008_documents_in_their_row")]

    operations = [migrations.RunPython(move_into_their_row, migrations.RunPython.noop)]
