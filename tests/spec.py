"""Checks against LL2's own OpenAPI documents: values valid, and exactly the spec's keys in its order."""

import json
from functools import cache
from pathlib import Path

from openapi_schema_validator import OAS30Validator

CONTRACT = Path(__file__).resolve().parent / "contract"
EVENTS_SPEC = "ll2-2.3.0-events-openapi-2026.json"
PROGRAM_MINI_SPEC = "ll2-2.3.0-program-mini.json"
# Each mode's event schema in the events document.
MODE_SCHEMAS = {
    "list": "EventEndpointList",
    "normal": "EventEndpointNormal",
    "detailed": "EventEndpointDetailed",
}


@cache
def load(name):
    return json.loads((CONTRACT / name).read_text())


def _resolve(document, schema, value):
    while True:
        if "discriminator" in schema:
            discriminator = schema["discriminator"]
            schema = {"$ref": discriminator["mapping"][value[discriminator["propertyName"]]]}
        elif "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


def assert_key_order(document, schema, value, path="$"):
    """Every object in `value` has exactly its schema's properties, in the schema's order."""
    schema = _resolve(document, schema, value)
    if isinstance(value, dict):
        assert list(value) == list(schema["properties"]), f"{path}: keys differ from the spec"
        for key, item in value.items():
            assert_key_order(document, schema["properties"][key], item, f"{path}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            assert_key_order(document, schema["items"], item, f"{path}[{index}]")


def _inline_nullable_references(document, schema):
    """drf-spectacular writes a nullable object as `allOf: [$ref]` + `nullable`; validators need the
    nullable on the object schema itself, so inline the referenced schema there."""
    if isinstance(schema, list):
        return [_inline_nullable_references(document, item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("nullable") and len(schema.get("allOf", ())) == 1:
        return {**_resolve(document, schema["allOf"][0], None), "nullable": True}
    return {key: _inline_nullable_references(document, item) for key, item in schema.items()}


@cache
def _validator(spec, schema_name):
    document = load(spec)
    # The spec's components travel with the schema, so that its "#/components/..." references resolve.
    schema = {
        "$ref": f"#/components/schemas/{schema_name}",
        "components": _inline_nullable_references(document, document["components"]),
    }
    return OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)


def assert_matches_schema(value, schema_name, spec=EVENTS_SPEC):
    document = load(spec)
    _validator(spec, schema_name).validate(value)
    assert_key_order(document, {"$ref": f"#/components/schemas/{schema_name}"}, value)
