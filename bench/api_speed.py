"""Response times of the events routes, in process (Django's test client: no network, no gunicorn).

    eval "$(bin/postgres start)"; export DATABASE_URL
    python bench/api_speed.py --events 10000 --repeat 30
    bin/postgres stop "$PGCLUSTER_DIR"

Imports N synthetic events (ids 1…N, seed 0, as bench/import_speed.py does) unless the database already
holds N events, then times each request and prints the median and 95th percentile in milliseconds.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project packages live in ROOT
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedevs.settings")

REQUESTS = [
    "/2.3.0/events/?mode=list&limit=100",
    "/2.3.0/events/?limit=100",
    "/2.3.0/events/?mode=detailed&limit=100",
    "/2.3.0/events/upcoming/?limit=100",
    "/2.3.0/events/previous/?mode=detailed&limit=100",
    "/2.3.0/events/?agency__ids=1121,553,1177&year=2020,2021,2022,2023&ordering=-last_updated&limit=100",
    "/2.3.0/events/?search=dock&limit=100",
    "/2.3.0/events/?limit=100&offset=5000",
    "/2.3.0/events/1/",
]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    arguments = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from events.models import Event
    from ingest.records import ingest_records
    from ingest.synthetic import generate_events
    from spacedevs.gunicorn_config import tune_garbage_collector

    call_command("migrate", verbosity=0)
    if Event.objects.count() != arguments.events:
        Event.objects.all().delete()
        ingest_records(list(generate_events(arguments.events, seed=0, start_id=1)), source="bench")
    settings.ALLOWED_HOSTS = ["*"]
    client = Client(HTTP_ACCEPT="application/json")
    tune_garbage_collector()  # as a gunicorn worker does
    print(f"{arguments.events} events in {connection.vendor}; {arguments.repeat} requests each")
    print(f"  {'median ms':>9} {'p95 ms':>7} {'KiB':>6}  request")
    for url in REQUESTS:
        client.get(url)  # warm-up
        timings = []
        for _ in range(arguments.repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        p95 = statistics.quantiles(timings, n=20)[-1]
        size = len(response.content) / 1024
        print(f"  {statistics.median(timings):9.1f} {p95:7.1f} {size:6.0f}  {url}")


if __name__ == "__main__":
    main()
