"""Import speed: N synthetic events (``ingest.synthetic``) through the one ingestion path, into the database
of $DATABASE_URL.

    eval "$(bin/postgres start)"; export DATABASE_URL
    python bench/import_speed.py 10000
    bin/postgres stop "$PGCLUSTER_DIR"

It migrates the database, empties the event tables, imports the events once (everything is new), then
again (nothing changes), and prints events per second for both runs. JSON parsing is not timed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project packages live in ROOT
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedevs.settings")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from events.models import Event
    from ingest.records import ingest_records
    from ingest.synthetic import generate_events

    call_command("migrate", verbosity=0)
    Event.objects.all().delete()
    events = list(generate_events(arguments.count, seed=arguments.seed, start_id=1))
    print(f"{arguments.count} events into {connection.vendor} ({connection.settings_dict['NAME']})")
    for label in ("first import (all new)", "second import (unchanged)"):
        started = time.perf_counter()
        ingest_records(events, source="bench")
        elapsed = time.perf_counter() - started
        print(f"  {label:<26} {elapsed:6.2f} s  {arguments.count / elapsed:8.0f} events/s")


if __name__ == "__main__":
    main()
