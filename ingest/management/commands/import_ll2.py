import errno
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.template.defaultfilters import pluralize
from tqdm import tqdm

from ingest.management.progress import on_terminal
from ingest.records import IngestError, ingest_records, parse_document
from spacedevs.faults import first_line

PROGRESS_THRESHOLD = 500


class Command(BaseCommand):
    help = (
        "Import LL2 2.3.0 event JSON (one event, a list of events, or a paginated page) from files, "
        "or from stdin with '-'. Each file is imported in one transaction: a file with a bad record "
        "changes nothing. Re-importing the same data changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="a JSON file, or - for stdin")
        parser.add_argument(
            "--no-progress", action="store_true", help="never show a progress bar (shown on a terminal alone)"
        )

    def handle(self, *args, paths, no_progress, **options):
        for path in paths:
            source = "<stdin>" if path == "-" else path
            try:
                text = _read_stdin() if path == "-" else Path(path).read_bytes()
            except OSError as error:
                raise CommandError(f"{source}: cannot read: {error.strerror}") from None
            try:
                records = parse_document(text, source=source)
                show_progress = on_terminal(no_progress) and len(records) >= PROGRESS_THRESHOLD
                with tqdm(
                    total=len(records), unit="event", desc=source, disable=not show_progress
                ) as progress:
                    tally = ingest_records(records, source=source, on_progress=progress.update)
            except IngestError as error:
                raise CommandError(str(error)) from None
            except DatabaseError as error:  # a database not there, or not migrated: the file changed nothing
                raise CommandError(f"{source}: {first_line(error)}") from None
            self._report(source, tally)

    def _report(self, source, tally):
        counts = tally.counts()
        if not tally.changed:
            events = counts.get("event", {}).get("unchanged", 0)
            self.stdout.write(f"{source}: no changes ({events} event{pluralize(events)} already up to date)")
            return
        self.stdout.write(self.style.SUCCESS(f"{source}: imported"))
        width = max(len(kind) for kind in counts)
        self.stdout.write(f"  {'kind':<{width}}  created  updated  unchanged")
        for kind, row in counts.items():
            self.stdout.write(
                f"  {kind:<{width}}  {row['created']:>7}  {row['updated']:>7}  {row['unchanged']:>9}"
            )


def _read_stdin():
    # Python gives no stream at all for a descriptor closed before it started (`import_ll2 - <&-`).
    if sys.stdin is None:
        raise OSError(errno.EBADF, "standard input is closed")
    return sys.stdin.buffer.read()
