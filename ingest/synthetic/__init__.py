"""Deterministic synthetic Launch Library 2 (2.3.0) *detailed-mode* event objects, for scale benchmarks.

The objects have exactly the shape of ``GET /2.3.0/events/{id}/`` (``EventEndpointDetailed``): the same keys
in the same order at every nesting level as the seed event (``fixtures/seed-event-352.json``), with realistic
values. They are meant for scale benchmarks (bulk import, query timing) and tests, not as real data.
``python manage.py generate_events`` writes them as JSON (``ingest/management/commands/generate_events.py``).

From Python::

    from ingest.synthetic import generate_events

    events = list(generate_events(100, seed=3, start_id=1))

Properties of the data:

* The same arguments always give the same events; different seeds give different data.
* Nested entities (agencies, space stations, programs, expeditions, spacewalks, mission patches,
  astronauts, launches and their images) come from one pool built from the seed, so a given id always
  maps to the identical object. The pool does not depend on ``count`` or ``start_id``. Pool objects are
  shared between yielded events, and between calls with the same seed: treat them as read-only
  (``copy.deepcopy`` before mutating).
* ``generate_events(n)`` is a prefix of ``generate_events(m)`` for ``n < m`` (same seed and start id).
* Ids derived from the event id are unique across the output and across runs with disjoint event ids:
  update ``id = event_id * 10 + k``, event image ``id = 10_000_000 + event_id``, image variant
  ``id = image_id * 10 + k``.
* Slugs are ``<slugified name>-<event id>``, at most ``SLUG_MAX_LENGTH`` characters, matching
  ``^[-a-z0-9]+$``.
* Datetimes are UTC, ``YYYY-MM-DDTHH:MM:SSZ``; event dates are spread over 2000-01-01..2035-12-31.
  "Past" and "future" (launch status, precision, last_updated) are relative to the fixed ``REFERENCE_NOW``.
"""

from .events import generate_events

__all__ = ["generate_events"]
