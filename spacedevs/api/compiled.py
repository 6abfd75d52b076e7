"""Serializers compiled into plain functions over rows, for rendering many stored documents at once.

DRF renders an object by constructing a serializer for it, then asking each field for its attribute and its
representation; for a batch of stored documents that machinery costs more than reading the rows. A
`CompiledSerializer` is derived from one serializer class: the same keys in the same order, each value given
by the field's own `to_representation` (for field types whose output depends on the value alone), a nested
serializer by its own compiled form, and a link by filling in a path `reverse()` gave once. It renders rows
read as plain dicts (rowset.py). A field, serializer or relation it does not know is refused with
`NotCompilable`, and the caller renders with DRF, which stays the reference: the tests compare the two byte
for byte.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from functools import cache, cached_property

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from spacedevs.idquery import IdQuery

from .fields import DurationField, LinkField
from .queryplan import POSITION, has_position, relation_ordering
from .serializers import PlannedListSerializer, PlannedSerializer, ResponseModeField

# Field types whose representation is a function of the value and of the field's own arguments alone: a
# str, int, bool, None, or a date or time DRF's encoder writes as text, so that a compiled form's output is
# plain JSON data (FastJSONRenderer.render_plain).
VALUE_FIELDS = frozenset(
    {
        serializers.BooleanField,
        serializers.CharField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.IntegerField,
        serializers.SlugField,
        serializers.URLField,
        serializers.UUIDField,
        DurationField,
    }
)
# A pk of each type whose text no path holds otherwise: a link template is the path reversed for it. Both
# types' text (digits; hex digits and hyphens) is what reverse() puts in a path, unquoted.
_LINK_SENTINELS = {
    models.IntegerField: 987654321,
    models.UUIDField: uuid.UUID("00000000-0000-4000-8000-000987654321"),
}


class NotCompilable(Exception):
    """A serializer whose rendering the compiled form could not be sure to reproduce."""


@dataclass(frozen=True)
class ToMany:
    """A to-many relation of `model`, read as (owner pk, related pk) pairs in LL2's order for each owner: a
    many-to-many through positioned rows, or the rows of a reverse foreign key in their relation order."""

    model: type
    name: str

    @cached_property
    def _field(self):
        relation = self.model._meta.get_field(self.name)
        if isinstance(relation, models.ManyToManyField):
            if not has_position(relation.remote_field.through):
                raise NotCompilable(f"{self}: a many-to-many without positions")
        elif not isinstance(relation, models.ManyToOneRel):
            raise NotCompilable(f"{self}: not a many-to-many or a reverse foreign key")
        return relation

    @property
    def related_model(self):
        return self._field.related_model

    @cached_property
    def query(self):
        """The IdQuery of the (owner pk, related pk) pairs of some owners, each owner's in order."""
        relation = self._field
        if isinstance(relation, models.ManyToManyField):
            through = relation.remote_field.through
            owner = through._meta.get_field(relation.m2m_field_name()).attname
            related = through._meta.get_field(relation.m2m_reverse_field_name()).attname
            ordering = (owner, POSITION)
            rows = through._default_manager
        else:
            owner, related = relation.field.attname, relation.related_model._meta.pk.attname
            ordering = (owner, *relation_ordering(self.model, self.name))
            rows = relation.related_model._default_manager
        return IdQuery(rows.order_by(*ordering).values_list(owner, related), owner)

    def __str__(self):
        return f"{self.model.__name__}.{self.name}"


@dataclass(frozen=True, eq=False)
class Link:
    """An object's own `url`: the path `reverse()` gives for one pk, with each row's pk in its place."""

    field: LinkField
    sentinel: object
    _templates: dict = field(default_factory=dict)  # (urlconf, script prefix) -> template

    def template(self):
        """(the path before the pk, the path after it) under the current URLconf and script prefix (what
        reverse() depends on), reversed once for each."""
        key = (get_urlconf(), get_script_prefix())
        if key not in self._templates:
            self._templates[key] = self._reversed()
        return self._templates[key]

    def _reversed(self):
        kwargs = {self.field.lookup_url_kwarg: self.sentinel}
        try:
            path = self.field.reverse(self.field.view_name, kwargs=kwargs, request=None, format=None)
        except NoReverseMatch:
            raise NotCompilable(f"{self.field.view_name}: no path for a pk like {self.sentinel}") from None
        before, found, after = path.partition(str(self.sentinel))
        if not found or str(self.sentinel) in after:
            raise NotCompilable(f"{self.field.view_name}: no single place for the pk in {path!r}")
        return before, after


@dataclass(eq=False)
class CompiledSerializer:
    """One serializer class as a function over rows: `steps` give each key's value, in the class's order.

    A row is a dict of the `columns` (attnames) of one `model` row; `references` and `relations` name the
    rows its nested serializers render: (attname, target) per foreign key, (ToMany, target) per list;
    `links` the Links its own rows fill in.
    """

    model: type
    steps: list = field(default_factory=list)
    columns: set = field(default_factory=set)
    references: list = field(default_factory=list)
    relations: list = field(default_factory=list)
    links: list = field(default_factory=list)

    def render(self, row, rows):
        """The representation of `row`, whose nested objects `rows` (a RowSet) holds."""
        return {key: step(row, rows) for key, step in self.steps}


@cache
def compiled(serializer_class):
    """The compiled form of a PlannedSerializer subclass, built once; NotCompilable if it cannot be."""
    if serializer_class.to_representation is not PlannedSerializer.to_representation:
        raise NotCompilable(f"{serializer_class.__name__} has its own to_representation")
    model = serializer_class.Meta.model
    result = CompiledSerializer(model, columns={model._meta.pk.attname})
    for serializer_field in serializer_class().fields.values():
        if not serializer_field.write_only:
            result.steps.append((serializer_field.field_name, _step(serializer_field, result)))
    return result


def _step(serializer_field, result):
    kind, model = type(serializer_field), result.model
    where = f"{type(serializer_field.parent).__name__}.{serializer_field.field_name}"
    if kind is ResponseModeField:
        mode = serializer_field.parent.mode
        return lambda row, rows: mode
    if kind is LinkField:
        return _link_step(serializer_field, result, where)
    if len(serializer_field.source_attrs) != 1:
        raise NotCompilable(f"{where}: {kind.__name__} of a source other than one model field")
    model_field = model._meta.get_field(serializer_field.source)
    if kind in VALUE_FIELDS and not model_field.is_relation:
        attname = model_field.attname
        result.columns.add(attname)
        if kind is serializers.DateTimeField and _in_current_time_zone_iso(serializer_field):
            return _datetime_step(serializer_field.to_representation, attname)
        represent = serializer_field.to_representation
        return lambda row, rows: None if (value := row[attname]) is None else represent(value)
    if kind is PlannedListSerializer:
        child, relation = compiled(type(serializer_field.child)), ToMany(model, serializer_field.source)
        if relation.related_model is not child.model:
            raise NotCompilable(f"{where}: {relation} holds no {child.model.__name__} rows")
        result.relations.append((relation, child))
        pk = model._meta.pk.attname
        return lambda row, rows: [rows.nested(child, item) for item in rows.members(relation, row[pk])]
    if isinstance(serializer_field, PlannedSerializer) and _is_reference_by_pk(model_field):
        nested, attname = compiled(kind), model_field.attname
        result.columns.add(attname)
        result.references.append((attname, nested))
        return lambda row, rows: None if (pk := row[attname]) is None else rows.nested(nested, pk)
    raise NotCompilable(f"{where}: {kind.__name__} over {type(model_field).__name__}")


def _in_current_time_zone_iso(serializer_field):
    """Whether DRF renders the field's date-times as ISO 8601 in the current time zone."""
    output_format = getattr(serializer_field, "format", api_settings.DATETIME_FORMAT)
    return (
        isinstance(output_format, str)
        and output_format.lower() == ISO_8601
        and not hasattr(serializer_field, "timezone")
        and settings.USE_TZ
    )


def _datetime_step(represent, attname):
    """DRF's ISO 8601 text of an aware date-time in the RowSet's time zone: DRF looks the current time zone
    up again for every value, most of a representation's cost. Anything else is left to DRF."""

    def step(row, rows):
        value = row[attname]
        if not isinstance(value, datetime.datetime) or value.utcoffset() is None:
            return represent(value)
        try:
            text = value.astimezone(rows.time_zone).isoformat()
        except OverflowError:
            return represent(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return step


def _is_reference_by_pk(model_field):
    return (
        model_field.concrete
        and (model_field.many_to_one or model_field.one_to_one)
        and model_field.target_field == model_field.related_model._meta.pk
    )


def _link_step(serializer_field, result, where):
    pk_field = result.model._meta.pk
    sentinel = next((value for kind, value in _LINK_SENTINELS.items() if isinstance(pk_field, kind)), None)
    if serializer_field.lookup_field != "pk" or sentinel is None:
        raise NotCompilable(f"{where}: a link by something else than a whole-number or UUID pk")
    link, pk = Link(serializer_field, sentinel), pk_field.attname
    result.links.append(link)
    return lambda row, rows: rows.link(link, row[pk])
