"""Schemathesis over every GET operation of our own OpenAPI document, with data that fits each operation's
schema and data that does not, and every check: no server error, status codes, content types and bodies as
documented, bad input refused, good input accepted. The fixtures' events are the data."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode

from .conftest import fixture_events

# Ids of programs in the fixtures.
PROGRAMS = sorted({program["id"] for event in fixture_events().values() for program in event["program"]})[:2]
# Examples per operation and generation mode (positive, negative).
EXAMPLES = 2

# The document /2.3.0/schema/ serves, made without a request (the database is not open yet at collection).
schema = schemathesis.openapi.from_dict(
    json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
).include(method="GET")
schema.app = get_wsgi_application()
# Fuzzing, positive and negative, EXAMPLES a mode: schemathesis's coverage phase (every boundary of every
# parameter, deterministically) would triple the suite's time. Run it with `schemathesis run` against a
# server for a release.
schema.config.phases.coverage.enabled = False


@schema.hook
def map_case(context, case):
    """Positive `program` values are programs' ids: which ids exist is data, not something the schema can
    say, and an unknown one is a 400 (as LL2)."""
    if case.meta.generation.mode == GenerationMode.POSITIVE and "program" in (case.query or {}):
        case.query["program"] = PROGRAMS
    return case


@pytest.fixture
def kept_connection(all_fixtures):
    """As Django's test client does: the test's connection holds the fixtures in a transaction, which the
    handler's end-of-request housekeeping would close."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_get_operation_answers_as_documented(case, kept_connection):
    # Uncompressed: the WSGI client hands over the body as it comes.
    case.call_and_validate(headers={"Accept-Encoding": "identity"})
