"""The OpenAPI schema (drf-spectacular) of LL2's modes: a `mode` parameter and a polymorphic response, every
error a client can get, and LL2's 32-bit integers whatever the database."""

from django.db import models
from django.utils.text import capfirst
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    inline_serializer,
)
from rest_framework import serializers

from .filters import MAX_LIST_ITEMS, IntegerFilter, RelatedIdChoicesFilter
from .modes import ModeViewSetMixin
from .numbers import INTEGER_RANGES, MAX_INTEGER
from .parameters import MAX_VALUE_LENGTH
from .renderers import CALENDAR_MEDIA_TYPE, FastJSONRenderer, renders_calendars
from .versions import CANONICAL_PREFIX

# LL2's integers have no format (an int32 to client generators); ours say their 32-bit bounds too.
INT32 = dict(zip(("minimum", "maximum"), INTEGER_RANGES["IntegerField"], strict=True))
ID_BOUNDS = {"minimum": 0, "maximum": MAX_INTEGER}
RESPONSE_MODE_MARK = "x-response-mode"
# A regular expression of any text without a NUL character (in JSON Schema's and Python's syntax alike).
WITHOUT_NUL = "^[^\\u0000]*$"
# The characters of a value of each format that has one length.
FIXED_WIDTHS = {"uuid": len("8c2412ae-fbef-443f-aae8-db538f38eec6")}
# What each format is, as a `format` parameter's description names it.
FORMATS_DESCRIBED = {"json": "`json`", "yaml": "`yaml`", "ics": "`ics` for a calendar feed"}

ERROR_DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
PARAMETER_ERRORS = OpenApiResponse(
    {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "example": {"day": ["Ensure this value is less than or equal to 31."]},
    },
    description="A parameter is not valid: each bad parameter with what is wrong.",
)
ERRORS = {
    400: PARAMETER_ERRORS,
    401: OpenApiResponse(ERROR_DETAIL, description="The `Authorization: Token <key>` is not a valid key."),
    429: OpenApiResponse(ERROR_DETAIL, description="Over the client's request limit (see `Retry-After`)."),
    503: OpenApiResponse(ERROR_DETAIL, description="The database is unavailable (see `Retry-After`)."),
}
NOT_FOUND = {404: OpenApiResponse(ERROR_DETAIL, description="No such object (in this route's window).")}


class ModeAutoSchema(AutoSchema):
    """Documents `?mode=` and, where a view has several modes, a response that is one of them by
    `response_mode` (named by the view's `polymorphic_component_name`), as LL2's own schema does; the error
    responses every API view can give; a described `{id}`, an integer within its bounds or a UUID."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        queryset = getattr(self.view, "queryset", None)
        if self._is_detail() and queryset is not None:
            parameters = [*parameters, self._id_parameter(queryset.model)]
        if not isinstance(self.view, ModeViewSetMixin):
            return parameters
        mode = OpenApiParameter(
            self.view.mode_param,
            enum=self.view.modes,
            default=self.view.default_mode(),
            description="Specifies the level of detail for the response (case-insensitive).",
        )
        return [*parameters, mode]

    def get_response_serializers(self):
        responses = self._json_responses()
        if not renders_calendars(self.view):
            return responses
        # A calendar is text, and only ever a 200: its errors are JSON, whatever the client asked for.
        json = FastJSONRenderer.media_type
        return {(status, json): response for status, response in responses.items()} | {
            (200, CALENDAR_MEDIA_TYPE): OpenApiTypes.STR
        }

    def _json_responses(self):
        errors = ERRORS | (NOT_FOUND if self._is_detail() else {})
        if not isinstance(self.view, ModeViewSetMixin) or len(self.view.serializer_classes) < 2:
            return {200: super().get_response_serializers(), **errors}
        return {
            200: PolymorphicProxySerializer(
                component_name=self.view.polymorphic_component_name,
                serializers={mode: serializer for mode, serializer in self.view.serializer_classes.items()},
                resource_type_field_name="response_mode",
                many=not self.view.detail,
            ),
            **errors,
        }

    @staticmethod
    def _id_parameter(model):
        """`{id}`, described in LL2's words (Django's, with the models' capitalised names): an integer
        within its bounds, or a UUID."""
        name = capfirst(model._meta.verbose_name)
        if isinstance(model._meta.pk, models.IntegerField):
            ids = {"type": "integer", **ID_BOUNDS}
            described = f"A unique integer value identifying this {name}."
        else:
            ids, described = OpenApiTypes.UUID, f"A UUID string identifying this {name}."
        return OpenApiParameter("id", ids, OpenApiParameter.PATH, description=described)

    def _is_detail(self):
        return getattr(self.view, "detail", False) is True


class ResponseModeFieldExtension(OpenApiSerializerFieldExtension):
    """`response_mode` is the one mode its serializer renders: an enum of it, with it as the default (LL2
    gives the default). The enum is put in by `ll2_forms`, after drf-spectacular's enum hook, which would
    make a component of each."""

    target_class = "spacedevs.api.serializers.ResponseModeField"

    def map_serializer_field(self, auto_schema, direction):
        mode = self.target.parent.mode
        return {"type": "string", "readOnly": True, "default": mode, RESPONSE_MODE_MARK: mode}


class FilterExtension(DjangoFilterExtension):
    """django-filter's parameters, with whole-number filters as integers within their bounds (drf-spectacular
    cannot tell them from decimals when they filter through a foreign key's id)."""

    target_class = "spacedevs.api.filters.FilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        if isinstance(filter_field, IntegerFilter | RelatedIdChoicesFilter):
            bounds = ID_BOUNDS
            if isinstance(filter_field, IntegerFilter):
                bounds = {
                    "minimum": filter_field.extra["min_value"],
                    "maximum": filter_field.extra["max_value"],
                }
            for parameter in parameters:
                schema = parameter["schema"]
                items = schema.get("items", schema)
                # No format, as LL2 has them: on SQLite, whose integers Django reports as 64-bit, a model's
                # id gets `int64` from drf-spectacular.
                items.pop("format", None)
                items.update(type="integer", **bounds)
        return parameters


def canonical_paths_only(endpoints, **kwargs):
    """Preprocessing hook: document the canonical `/2.3.0/` routes, not their unversioned aliases."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(CANONICAL_PREFIX)]


def served_under_script_name(result, request=None, **kwargs):
    """Postprocessing hook: a server reached under a path (SCRIPT_NAME, a proxy's `/mirror`) is the
    document's server, so that Swagger UI's requests, and a client made from the document, go through the
    proxy rather than to the host's root. Served at the root, the document names no server, as LL2's."""
    script_name = request.META.get("SCRIPT_NAME", "") if request is not None else ""
    if script_name:
        result["servers"] = [{"url": script_name}]
    return result


def ll2_forms(result, **kwargs):
    """Postprocessing hook: LL2's forms. Every integer the API serves is 32-bit (PostgreSQL `integer`
    columns, ids checked on import) on every database (on SQLite, Django reports 64-bit ranges), without a
    format as LL2 has them; `response_mode` is an enum of its one mode. Parameters state their own bounds;
    an empty query parameter is one left out."""

    def visit(node):
        if isinstance(node, dict):
            if node.get("type") == "integer":
                node.pop("format", None)
                node["minimum"] = max(node.get("minimum", INT32["minimum"]), INT32["minimum"])
                node["maximum"] = min(node.get("maximum", INT32["maximum"]), INT32["maximum"])
            if RESPONSE_MODE_MARK in node:
                node["enum"] = [node.pop(RESPONSE_MODE_MARK)]
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result["components"])
    for operations in result["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter["in"] == "query":
                    parameter["allowEmptyValue"] = True  # an empty value is no value (LL2's and DRF's way)
                    state_bounds(parameter["schema"])
                if parameter["name"] == "format" and "description" not in parameter:
                    parameter["description"] = format_description(parameter["schema"]["enum"])
    page_link_examples(result, kwargs.get("request"))
    return result


def format_description(formats):
    """The description of a route's `format` parameter, which takes `formats`."""
    described = [text for name, text in FORMATS_DESCRIBED.items() if name in formats]
    return f"The response's format instead of the Accept header's: {', or '.join(described)}."


def state_bounds(schema):
    """The bounds a query parameter's value is checked against, where its schema can state them, so that
    a client (or a fuzzer) that keeps to the schema is never refused: text has no NUL and at most
    MAX_VALUE_LENGTH characters (`check_query_parameters`), and a list at most MAX_LIST_ITEMS items, none
    of them empty (`CommaListField`, `IdChoicesField`), and as many UUIDs as MAX_VALUE_LENGTH characters
    hold. Enums and formats exclude a NUL already. (A list of long numbers or texts reaches the length
    before the count: no schema can say so.)"""
    if schema.get("type") == "array":
        fixed_width = FIXED_WIDTHS.get(schema["items"].get("format"))
        schema["maxItems"] = MAX_LIST_ITEMS
        if fixed_width is not None:  # the items and the commas between them
            schema["maxItems"] = min(MAX_LIST_ITEMS, (MAX_VALUE_LENGTH + 1) // (fixed_width + 1))
        schema = schema["items"]
        if _is_free_text(schema):
            schema["minLength"] = 1
    if _is_free_text(schema):
        schema.update(maxLength=MAX_VALUE_LENGTH, pattern=WITHOUT_NUL)


def _is_free_text(schema):
    return schema.get("type") == "string" and not {"enum", "format"} & schema.keys()


def page_link_examples(result, request):
    """`next`/`previous` examples of each paginated component from the first route that returns it, on the
    host serving the document, under its path prefix (DRF's say `http://api.example.org/accounts/`)."""
    if request is None:
        origin = "http://127.0.0.1:8000"
    else:
        origin = request.build_absolute_uri(request.META.get("SCRIPT_NAME", "") + "/").rstrip("/")
    schemas, done = result["components"]["schemas"], set()
    for path, operations in result["paths"].items():
        ok = operations.get("get", {}).get("responses", {}).get("200", {})
        reference = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        name = reference.rsplit("/", 1)[-1]
        if not name.startswith("Paginated") or name in done:
            continue
        done.add(name)
        links = schemas[name]["properties"]
        links["next"]["example"] = f"{origin}{path}?limit=10&offset=20"
        links["previous"]["example"] = f"{origin}{path}?limit=10"
