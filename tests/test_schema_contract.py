"""Our OpenAPI document against LL2's own (tests/contract/): the events paths, their parameters and
responses, and every property of every component they use agree, but for the differences listed here,
each a choice the README states. A new difference fails, and so does a listed one that went away."""

import json

import pytest

from .conftest import ROOT

LL2 = json.loads((ROOT / "tests/contract/ll2-2.3.0-events-openapi-2026.json").read_text())
pytestmark = pytest.mark.django_db  # for served_openapi_document

# Each intended difference: a name, and whether a difference (kind, where, LL2's, ours) is one of it.
INTENDED = {
    # Errors are documented (LL2 documents 200 alone).
    "error responses": lambda kind, where, ll2, ours: (
        kind == "responses"
        and set(ll2) < set(ours)
        and set(ours) - set(ll2) <= {"400", "401", "404", "429", "503"}
    ),
    # `?mode=` works on `{id}/` routes too (their default is detailed).
    "mode on {id}/": lambda kind, where, ll2, ours: (
        kind == "parameter" and where.endswith("{id}/ mode") and not ll2
    ),
    # `ordering` lists the values it takes (each field once, either way, in any order).
    "ordering values listed": lambda kind, where, ll2, ours: (
        kind == "parameter" and where.endswith(" ordering") and ours == ll2 | {"enum": ours.get("enum")}
    ),
    # `?format=` is documented: `json`, or `ics` for a calendar feed.
    "format documented": lambda kind, where, ll2, ours: (
        kind == "parameter" and where.endswith(" format") and ll2 is None and "ics" in ours["enum"]
    ),
    # Days, months and years are whole numbers (LL2: any number).
    "date parts are integers": lambda kind, where, ll2, ours: (
        kind == "parameter"
        and where.split()[-1] in ("day", "month", "year")
        and (ll2["items"], ours["items"]) == ({"type": "number"}, {"type": "integer"})
    ),
    # Every key is always in a representation: all are required (a superset of LL2's).
    "every key present": lambda kind, where, ll2, ours: kind == "required" and set(ll2) <= set(ours),
    # Without an anonymous rate, the limits are null.
    "unlimited throttle": lambda kind, where, ll2, ours: (
        where in ("APIThrottle.your_request_limit", "APIThrottle.limit_frequency_secs")
        and ours == ll2 | {"nullable": True}
    ),
    # A to-many list is empty, never null.
    "lists are never null": lambda kind, where, ll2, ours: (
        kind == "property"
        and ll2.get("type") == "array"
        and ours == {k: v for k, v in ll2.items() if k != "nullable"}
    ),
    # `response_mode` is an enum of the one mode its component renders.
    "response_mode is an enum": lambda kind, where, ll2, ours: (
        where.endswith(".response_mode")
        and ll2 == {"type": "string"}
        and len(ours.get("enum", ())) == 1
        and {key: value for key, value in ours.items() if key != "enum"} == ll2
    ),
    # URLs LL2 documents as plain strings are URLFields (the admin checks them; imports store them as sent).
    "URLs are URLs": lambda kind, where, ll2, ours: kind == "property" and ours == ll2 | {"format": "uri"},
}


def plain(schema):
    """The parts of a schema both documents must agree on: type, format, nullability, enum, items, target."""
    if schema is None:
        return None
    if "$ref" in schema:
        return {"ref": schema["$ref"].rsplit("/", 1)[-1]}
    if len(schema.get("allOf", ())) == 1:
        return plain(schema["allOf"][0]) | ({"nullable": True} if schema.get("nullable") else {})
    kept = {key: schema[key] for key in ("type", "format", "enum") if key in schema}
    if schema.get("nullable"):
        kept["nullable"] = True
    if "items" in schema:
        kept["items"] = plain(schema["items"])
    return kept


def parameters(operation):
    return {
        parameter["name"]: plain(parameter.get("schema")) for parameter in operation.get("parameters", [])
    }


def differences(ours):
    """(kind, where, LL2's, ours) for each way `ours` differs from LL2's document."""
    found = []
    for path, methods in LL2["paths"].items():
        for method, operation in methods.items():
            mine = ours["paths"].get(path, {}).get(method)
            if mine is None:
                found.append(("operation", f"{method} {path}", operation, None))
                continue
            if operation.get("operationId") != mine.get("operationId"):
                found.append(("operationId", path, operation.get("operationId"), mine.get("operationId")))
            theirs, own = parameters(operation), parameters(mine)
            for name in sorted(set(theirs) | set(own)):
                if theirs.get(name) != own.get(name):
                    found.append(("parameter", f"{path} {name}", theirs.get(name), own.get(name)))
            if sorted(operation["responses"]) != sorted(mine["responses"]):
                found.append(("responses", path, sorted(operation["responses"]), sorted(mine["responses"])))
    for name, component in LL2["components"]["schemas"].items():
        mine = ours["components"]["schemas"].get(name)
        if mine is None:
            found.append(("component", name, component, None))
            continue
        theirs, own = component.get("properties", {}), mine.get("properties", {})
        for key in sorted(set(theirs) | set(own)):
            if plain(theirs.get(key)) != plain(own.get(key)):
                found.append(("property", f"{name}.{key}", plain(theirs.get(key)), plain(own.get(key))))
        if sorted(component.get("required", [])) != sorted(mine.get("required", [])):
            found.append(("required", name, component.get("required", []), mine.get("required", [])))
    return found


@pytest.fixture
def ours(served_openapi_document):
    return served_openapi_document


def test_our_document_differs_from_ll2s_only_as_intended(ours):
    unexplained, used = [], set()
    for difference in differences(ours):
        reasons = [name for name, applies in INTENDED.items() if applies(*difference)]
        if reasons:
            used.update(reasons)
        else:
            unexplained.append(difference)
    assert unexplained == []
    assert used == set(INTENDED), "an intended difference no longer exists: take it out of INTENDED"


def test_nested_objects_that_can_be_null_say_so(ours):
    schemas = ours["components"]["schemas"]
    for component, key in [
        ("EventEndpointList", "image"),
        ("EventEndpointList", "date_precision"),
        ("InfoURL", "type"),
        ("AstronautNormal", "agency"),
        ("AstronautNormal", "image"),
        ("LaunchBasic", "image"),
    ]:
        assert schemas[component]["properties"][key]["nullable"] is True, f"{component}.{key}"


def test_ids_are_32_bit_and_response_mode_an_enum(ours):
    schemas = ours["components"]["schemas"]
    assert schemas["EventEndpointList"]["properties"]["id"] | {"description": ""} == {
        "type": "integer",
        "minimum": -(2**31),
        "maximum": 2**31 - 1,
        "readOnly": True,
        "description": "",
    }
    for component, mode in [("EventEndpointList", "list"), ("EventEndpointDetailed", "detailed")]:
        assert schemas[component]["properties"]["response_mode"]["enum"] == [mode]
    [id_parameter] = [
        p for p in ours["paths"]["/2.3.0/events/{id}/"]["get"]["parameters"] if p["name"] == "id"
    ]
    assert id_parameter["schema"]["type"] == "integer"


def test_errors_are_documented_with_their_bodies(ours):
    responses = ours["paths"]["/2.3.0/events/{id}/"]["get"]["responses"]
    assert sorted(responses) == ["200", "400", "401", "404", "429", "503"]
    assert responses["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorDetail"
    }
    bad_parameters = responses["400"]["content"]["application/json"]["schema"]
    assert bad_parameters["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "detail"),
    [
        ("post", "/2.3.0/schema/", {}, 405, 'Method "POST" not allowed.'),
        (
            "get",
            "/2.3.0/schema/",
            {"HTTP_ACCEPT": "application/xml"},
            406,
            "Could not satisfy the request Accept header.",
        ),
        ("delete", "/2.3.0/swagger/", {}, 405, 'Method "DELETE" not allowed.'),
        ("put", "/2.3.0/redoc/", {}, 405, 'Method "PUT" not allowed.'),
    ],
)
@pytest.mark.django_db
def test_the_schemas_own_errors_are_json(client, method, path, headers, status, detail):
    response = getattr(client, method)(path, **headers)
    assert (response.status_code, response["Content-Type"]) == (status, "application/json")
    assert response.json() == {"detail": detail}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["version=1", "version=%0D%0A", "version=%00", 'version="x', "lang=de", "lang=x"]
)
def test_the_document_is_the_same_whatever_version_or_language_is_asked(client, ours, query):
    response = client.get(f"/2.3.0/schema/?format=json&{query}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="LL2 events replica.json"'
    assert response.json() == ours


def test_the_schema_route_documents_its_own_formats_and_no_language(ours):
    [parameter] = ours["paths"]["/2.3.0/schema/"]["get"]["parameters"]
    assert (parameter["name"], parameter["schema"]["enum"], parameter["description"]) == (
        "format",
        ["json", "yaml"],
        "The response's format instead of the Accept header's: `json`, or `yaml`.",
    )
    event_format = [p for p in ours["paths"]["/2.3.0/events/"]["get"]["parameters"] if p["name"] == "format"]
    assert [p["description"] for p in event_format] == [
        "The response's format instead of the Accept header's: `json`, or `ics` for a calendar feed."
    ]


def test_the_one_auth_scheme_is_the_optional_token(ours):
    assert list(ours["components"]["securitySchemes"]) == ["Token"]
    assert ours["components"]["securitySchemes"]["Token"]["name"] == "Authorization"
    assert ours["paths"]["/2.3.0/events/"]["get"]["security"] == [{"Token": []}, {}]  # {}: anonymous too


def test_page_link_examples_are_this_apis_own(ours):
    page = ours["components"]["schemas"]["PaginatedPolymorphicEventsEndpointList"]["properties"]
    assert page["next"]["example"] == "http://testserver/2.3.0/events/?limit=10&offset=20"
    assert page["previous"]["example"] == "http://testserver/2.3.0/events/?limit=10"
    assert "api.example.org" not in json.dumps(ours)
