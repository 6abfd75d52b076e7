"""``python manage.py generate_events N``: synthetic LL2 detailed events as JSON (``ingest.synthetic``).

    python manage.py generate_events 10000 > events.json
    python manage.py generate_events 100000 --seed 7 --output /tmp/events.json
    python manage.py generate_events 500 --format page --start-id 1 --output page.json

The same arguments always give byte-identical output. Output is UTF-8, one compact event per line, written
as it is generated.
"""

from django.core.management.base import BaseCommand, CommandError

from ingest.synthetic import generate_events
from ingest.synthetic.output import write_json


class _TextSink:
    """The binary stream `write_json` expects, over a command's text output (every chunk is whole UTF-8)."""

    def __init__(self, out):
        self.out = out

    def write(self, data):
        self.out.write(data.decode(), ending="")


class Command(BaseCommand):
    help = (
        "Generate N deterministic synthetic LL2 2.3.0 detailed event objects as JSON: the same arguments "
        "always give byte-identical output. For benchmarks and tests, not as real data."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", metavar="N", type=int, help="number of events to generate (>= 0)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
        parser.add_argument("--output", default="-", help="output path, or '-' for stdout (default)")
        parser.add_argument(
            "--start-id",
            type=int,
            default=100000,
            help="id of the first event; events get consecutive ids (default: 100000)",
        )
        parser.add_argument(
            "--format",
            dest="output_format",
            choices=("list", "page"),
            default="list",
            help="'list': a JSON array (default); 'page': a {count, next, previous, results} envelope",
        )

    def handle(self, *args, count, seed, output, start_id, output_format, **options):
        try:
            events = generate_events(count, seed=seed, start_id=start_id)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if output == "-":
            write_json(events, count, output_format, _TextSink(self.stdout))
            return
        try:
            with open(output, "wb") as stream:
                write_json(events, count, output_format, stream)
        except OSError as error:
            raise CommandError(f"{output}: cannot write: {error.strerror}") from None
