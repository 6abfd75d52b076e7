"""Every change to the data state's row waits out the leases readers may hold (spacedevs/turns.py): a trigger
takes the writers' turn if the transaction has not taken it, and holds the change until the lease's length
after the turn began. In the database, so that every writer waits, whatever runs it: this code, code from
before leases still running through a rolling deploy, a data migration, psql, a flush. Readers are given no
lease without the trigger. PostgreSQL's alone: SQLite gives no leases."""

from django.db import migrations

# spacedevs.turns's WRITERS_LOCK, TURN_SETTING, WAITING_TRIGGER and LEASE_SECONDS as this migration was
# written: a migration keeps the values it ran with (tests/test_leases.py holds the code's to them).
WRITERS_LOCK = -8221885885800659447
TURN_SETTING = "spacedevs.turn_taken"
TRIGGER = "spacedevs_wait_out_leases"
LEASE_SECONDS = 0.01
TABLE = "spacedevs_datastate"

# The turn is taken before any row is locked (a statement trigger, BEFORE): a row trigger would run with the
# row locked, and deadlock with a writer that holds the turn and then changes the row. ENABLE ALWAYS: it
# fires for a session in replica mode too (a restore). The time is noted as seconds since the epoch, as
# numeric text, which no DateStyle or extra_float_digits reads otherwise.
CREATE = [
    f"""
CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    taken numeric := nullif(current_setting('{TURN_SETTING}', true), '')::numeric;
BEGIN
    IF taken IS NULL THEN
        PERFORM pg_advisory_xact_lock({WRITERS_LOCK});
        taken := extract(epoch FROM clock_timestamp());
        PERFORM set_config('{TURN_SETTING}', taken::text, true);
    END IF;
    PERFORM pg_sleep(greatest(0, taken + {LEASE_SECONDS} - extract(epoch FROM clock_timestamp())));
    RETURN NULL;
END
$$""",
    f"CREATE TRIGGER {TRIGGER} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()",
    f"ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER {TRIGGER}",
]
# Readers stop leasing once the trigger fires for ordinary sessions alone (committed at once: this migration
# is not atomic), and the leases given before are over before it goes; writers wait meanwhile. Holding the
# writers' lock instead would deadlock with a writer whose statement holds the table and waits in the trigger.
DROP = [
    f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}",
    f"SELECT pg_sleep({LEASE_SECONDS})",
    f"DROP TRIGGER {TRIGGER} ON {TABLE}",
    f"DROP FUNCTION {TRIGGER}()",
]


def run(statements):
    def on_postgresql(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return on_postgresql


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("spacedevs", "0006_tier_at_least_one_in_the_database"),
    ]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
