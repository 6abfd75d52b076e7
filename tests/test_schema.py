"""Every documented parameter is in the OpenAPI schema and the browsable API, each with a description."""

import pytest

FILTERS = [
    "agency__ids",
    "date__gt",
    "date__gte",
    "date__lt",
    "date__lte",
    "day",
    "expedition__ids",
    "id",
    "last_updated__gte",
    "last_updated__lte",
    "launch__ids",
    "month",
    "program",
    "program__ids",
    "slug",
    "spacestation__ids",
    "type",
    "type__ids",
    "video_url",
    "year",
]
OTHERS = ["format", "limit", "mode", "offset", "ordering", "search"]
pytestmark = pytest.mark.django_db  # for served_openapi_document


@pytest.fixture
def schema(served_openapi_document):
    return served_openapi_document


def test_under_a_path_prefix_the_document_names_it_as_its_server(schema, client, db):
    assert "servers" not in schema  # at the root, as LL2's
    under = client.get("/2.3.0/schema/?format=json", SCRIPT_NAME="/mirror").json()
    assert under["servers"] == [{"url": "/mirror"}]
    assert under["paths"].keys() == schema["paths"].keys()
    # Its examples of page links are the links the pages give, under the prefix.
    links = under["components"]["schemas"]["PaginatedPolymorphicEventsEndpointList"]["properties"]
    assert links["next"]["example"] == "http://testserver/mirror/2.3.0/events/?limit=10&offset=20"


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/2.3.0/events/", []),
        ("/2.3.0/events/upcoming/", ["hide_recent_previous"]),
        ("/2.3.0/events/previous/", []),
    ],
)
def test_list_operations_document_every_parameter(schema, path, extra):
    parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    assert sorted(parameters) == sorted([*FILTERS, *OTHERS, *extra])
    for name, parameter in parameters.items():
        description = parameter.get("description", "")
        assert description and "\n" not in description, name
    assert parameters["mode"]["schema"] == {
        "type": "string",
        "enum": ["detailed", "list", "normal"],
        "default": "normal",
    }
    # The bounds the server enforces: a limit above 100 is clamped, not refused.
    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1}
    assert parameters["offset"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    assert parameters["program"]["explode"] is True
    assert (
        parameters["program"]["schema"]["items"] | {"minimum": 0} == parameters["program"]["schema"]["items"]
    )
    assert parameters["type__ids"]["explode"] is False
    assert parameters["launch__ids"]["schema"] == {
        "type": "array",
        "items": {"type": "string", "format": "uuid"},
        "maxItems": 216,
    }


@pytest.mark.parametrize("path", ["/2.3.0/agencies/", "/2.3.0/launches/", "/2.3.0/astronauts/"])
def test_routes_without_search_document_none(schema, path):
    assert "search" not in {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}


def test_detail_operations_default_to_detailed(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/2.3.0/events/{id}/"]["get"]["parameters"]}
    assert parameters["mode"]["schema"]["default"] == "detailed"


def test_responses_are_polymorphic_by_response_mode(schema):
    components = schema["components"]["schemas"]
    component = components["PolymorphicEventsEndpoint"]
    assert component["discriminator"]["propertyName"] == "response_mode"
    assert component["discriminator"]["mapping"] == {
        mode: f"#/components/schemas/EventEndpoint{mode.title()}" for mode in ("list", "normal", "detailed")
    }
    assert "PaginatedPolymorphicEventsEndpointList" in components
    for name in ("AgencyMini", "LaunchBasic", "ExpeditionNormal", "SpaceStationNormal", "ProgramNormal"):
        assert name in components


@pytest.mark.parametrize("path", ["/2.3.0/events/", "/2.3.0/events/{id}/", "/2.3.0/events/upcoming/"])
def test_a_calendar_feed_is_documented_as_text_and_its_errors_as_json(schema, path):
    responses = schema["paths"][path]["get"]["responses"]
    media_types = {status: sorted(response["content"]) for status, response in responses.items()}
    errors = {status: ["application/json"] for status in set(responses) - {"200"}}
    assert media_types == {"200": ["application/json", "text/calendar"], **errors}
    assert responses["200"]["content"]["text/calendar"]["schema"] == {"type": "string"}


def test_only_canonical_paths_are_documented(schema):
    assert all(path.startswith("/2.3.0/") for path in schema["paths"])


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "type__ids=2&"])  # filtered: its page filters by the one given
@pytest.mark.parametrize("route", ["/2.3.0/events/", "/2.3.0/events/upcoming/"])
def test_browsable_filter_form_describes_every_filter(client, route, query):
    page = client.get(f"{route}?{query}format=api").content.decode()
    names = [*FILTERS, *(["hide_recent_previous"] if "upcoming" in route else [])]
    for name in names:
        assert f'name="{name}"' in page, name
        assert f'<span class="helptext" id="id_{name}_helptext">' in page, name
    assert 'name="search"' in page
    assert "?ordering=-last_updated" in page


@pytest.mark.django_db
def test_help_text_lists_the_filters_as_ll2_does(client):
    page = client.get("/2.3.0/events/?format=api").content.decode()
    assert "Parameters - " + ", ".join(f"<code>{name}</code>" for name in FILTERS) + "\n" in page


def test_browsable_filter_labels_are_plain_words():
    from events.filters import UpcomingEventFilterSet

    labels = {name: str(field.label) for name, field in UpcomingEventFilterSet().form.fields.items()}
    assert labels["agency__ids"] == "Agency IDs"
    assert labels["day"] == "Day of month"
    assert labels["video_url"] == "Video URLs"
    assert labels["spacestation__ids"] == "Space station IDs"
    assert labels["hide_recent_previous"] == "Hide recent events"
    assert not [label for label in labels.values() if " is in" in label or label.islower()]


def test_parameters_read_the_same_whatever_range_the_database_gives_integers(monkeypatch):
    """On SQLite, Django gives every integer field a 64-bit range, from which drf-spectacular would call a
    model's id `int64`: the ids' parameters state 32-bit bounds and no format on every database."""
    from django.apps import apps
    from django.db import connection
    from drf_spectacular.generators import SchemaGenerator

    monkeypatch.setattr(type(connection.ops), "integer_field_range", lambda ops, kind: (-(2**63), 2**63 - 1))
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if "validators" in getattr(field, "__dict__", {}):  # a cached_property, read with the range above
                monkeypatch.delitem(field.__dict__, "validators")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/2.3.0/events/"]["get"]["parameters"]
    program = next(parameter["schema"] for parameter in parameters if parameter["name"] == "program")
    items = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    assert program == {"type": "array", "items": items, "maxItems": 1000}
    assert not [parameter["name"] for parameter in parameters if "int64" in str(parameter["schema"])]


def bounded_parameters(schema, path):
    """(name, schema) of each query parameter of `path` whose schema states a bound."""
    for parameter in schema["paths"][path]["get"]["parameters"]:
        stated = parameter["schema"]
        if parameter["in"] == "query" and ("maxItems" in stated or "maxLength" in stated):
            yield parameter["name"], stated


# An item of each kind of list, which the fixtures' data need not hold (only `program` checks its ids).
ITEMS = {"integer": "1", "string": "a"}
UUID_ITEM = "8c2412ae-fbef-443f-aae8-db538f38eec6"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/2.3.0/events/", "/2.3.0/config/event_types/"])
def test_the_stated_bounds_are_where_the_server_refuses(schema, client, path):
    """A value at a bound the schema states is taken, and one past it is a 400 naming the parameter: a
    client, or a fuzzer, that keeps to the schema is never refused."""
    checked = set()
    for name, stated in bounded_parameters(schema, path):
        if stated["type"] == "array":
            if name == "program":
                continue  # its ids must exist: the bound is the same field's (IdChoicesField)
            item = UUID_ITEM if stated["items"].get("format") == "uuid" else ITEMS[stated["items"]["type"]]
            assert stated["maxItems"] == (216 if item == UUID_ITEM else 1000)  # 216 UUIDs: 7,991 characters
            within = [",".join([item] * stated["maxItems"])]
            past = [",".join([item] * (stated["maxItems"] + 1))]
            if stated["items"].get("minLength") == 1:
                past.append(f"{item},,{item}")
        else:
            within = ["a" * stated["maxLength"], "a\u0001b"]
            past = ["a" * (stated["maxLength"] + 1), "a\u0000b"]
        for value in within:
            assert client.get(path, {name: value, "format": "json"}).status_code == 200, (name, value[:20])
        for value in past:
            response = client.get(path, {name: value, "format": "json"})
            assert (response.status_code, list(response.json())) == (400, [name]), (name, value[:20])
        checked.add(name)
    assert checked >= ({"search"} if "config" in path else {"slug", "search", "video_url", "agency__ids"})


@pytest.mark.django_db
def test_every_parameter_of_every_operation_has_a_one_line_description(schema):
    """The `{id}` of detail routes too, in LL2's words for events."""
    undescribed = [
        (path, parameter["name"])
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", ())
        if not parameter.get("description") or "\n" in parameter["description"]
    ]
    assert undescribed == []
    described = {
        path: parameter["description"]
        for path in ("/2.3.0/events/{id}/", "/2.3.0/launches/{id}/")
        for parameter in schema["paths"][path]["get"]["parameters"]
        if parameter["name"] == "id"
    }
    assert described == {
        "/2.3.0/events/{id}/": "A unique integer value identifying this Event.",
        "/2.3.0/launches/{id}/": "A UUID string identifying this Launch.",
    }
