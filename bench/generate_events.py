"""Generate deterministic synthetic Launch Library 2 (2.3.0) *detailed-mode* event objects.

The objects have exactly the shape of ``GET /2.3.0/events/{id}/`` (``EventEndpointDetailed``): the same keys
in the same order at every nesting level as ``/work/shared/reference/seed-event-352-detailed.json``, with
realistic values. They are meant for scale benchmarks (bulk import, query timing), not as real data.

Command line::

    python -m bench.generate_events 10000 > events.json
    python -m bench.generate_events 100000 --seed 7 --output /tmp/events.json
    python -m bench.generate_events 500 --format page --start-id 1 --output page.json

Options:

``N``
    Number of events (>= 0).
``--seed`` (default 0)
    Seed of the pseudo-random generator. The same arguments always give byte-identical output; different
    seeds give different data.
``--output`` (default ``-``, stdout)
    Destination path, or ``-`` for stdout. Output is UTF-8, one compact event per line, written incrementally.
``--start-id`` (default 100000)
    Id of the first event. Events get consecutive ids ``start_id .. start_id + N - 1``.
``--format`` (default ``list``)
    ``list`` writes a JSON array; ``page`` writes a pagination envelope
    ``{"count": N, "next": null, "previous": null, "results": [...]}``.

From Python::

    from bench.generate_events import generate_events

    events = list(generate_events(100, seed=3, start_id=1))

Properties of the data:

* Nested entities (agencies, space stations, programs, expeditions, spacewalks, mission patches,
  astronauts, launches and their images) come from one pool built from the seed, so a given id always
  maps to the identical object. The pool does not depend on ``count`` or ``start_id``. Pool objects are
  shared between yielded events: treat them as read-only (``copy.deepcopy`` before mutating).
* ``generate_events(n)`` is a prefix of ``generate_events(m)`` for ``n < m`` (same seed and start id).
* Ids derived from the event id are unique across the output and across runs with disjoint event ids:
  update ``id = event_id * 10 + k``, event image ``id = 10_000_000 + event_id``, image variant
  ``id = image_id * 10 + k``.
* Slugs are ``<slugified name>-<event id>``, at most ``SLUG_MAX_LENGTH`` characters, matching
  ``^[-a-z0-9]+$``.
* Datetimes are UTC, ``YYYY-MM-DDTHH:MM:SSZ``; event dates are spread over 2000-01-01..2035-12-31.
  "Past" and "future" (launch status, precision, last_updated) are relative to the fixed ``REFERENCE_NOW``.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script (python bench/generate_events.py): make the project root importable for `bench`.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import generate_events
from bench.synthetic.output import write_json


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Generate synthetic LL2 2.3.0 detailed event objects as JSON."
    )
    parser.add_argument("count", metavar="N", type=int, help="number of events to generate")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--output", default="-", help="output path, or '-' for stdout (default)")
    parser.add_argument(
        "--start-id", type=int, default=100000, help="id of the first event (default: 100000)"
    )
    parser.add_argument(
        "--format",
        dest="output_format",
        choices=("list", "page"),
        default="list",
        help="'list': JSON array; 'page': {count, next, previous, results} envelope",
    )
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("N must be >= 0")
    if args.start_id < 1:
        parser.error("--start-id must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    args = parse_args(argv)
    events = generate_events(args.count, seed=args.seed, start_id=args.start_id)
    if args.output == "-":
        write_json(events, args.count, args.output_format, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        with open(args.output, "wb") as stream:
            write_json(events, args.count, args.output_format, stream)


if __name__ == "__main__":
    main()
