"""Which JSON keys of each LL2 object are stored, and how: derived from the API serializers and the models.

A kind lists the keys LL2 emits for one object type, taken from the serializer that renders it (so what is
read is exactly what is served). Each key names a model field or relation, and its type decides how the
value is read:

- a plain field is a scalar, parsed by its model field type (length and nullability included);
- a foreign key is a nested object of another kind, or null where the field allows it;
- a many-to-many through a `PositionedRow` model is an ordered list of nested objects of another kind;
- a reverse foreign key is a list of children the object owns (video URLs, updates, image variants).

Keys the server derives (an object's own `url`, `response_mode`) are not listed and are ignored on input.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from agencies.serializers import AgencyMiniSerializer, MissionPatchSerializer
from astronauts.serializers import AstronautNormalSerializer
from config.serializers import LOOKUP_SERIALIZERS, ImageSerializer, ImageVariantSerializer
from events.models import Event
from events.serializers import (
    EVENT_MODES,
    EventDetailedSerializer,
    InfoURLSerializer,
    UpdateSerializer,
    VidURLSerializer,
)
from launches.serializers import LaunchBasicSerializer
from programs.serializers import ProgramNormalSerializer
from spacestations.serializers import (
    ExpeditionNormalSerializer,
    SpaceStationNormalSerializer,
    SpacewalkListSerializer,
)

from .values import parser_for


@dataclass(frozen=True)
class Scalar:
    attname: str
    parse: object
    nullable: bool


@dataclass(frozen=True)
class Reference:
    """A foreign key given as a nested object."""

    attname: str
    model: type
    nullable: bool

    @property
    def kind(self):
        return KINDS[self.model]


class OrderedRows:
    """A list whose rows are owned by one object and replaced as a whole when the list changes."""

    owner_model: type
    owner_attname: str

    @property
    def owner_kind(self):
        return KINDS[self.owner_model]

    def owned_by(self, owners):
        return self.row_model.objects.filter(**{f"{self.owner_attname}__in": owners})


@dataclass(frozen=True)
class LinkList(OrderedRows):
    """A many-to-many given as an ordered list of nested objects; its rows are the through model's."""

    owner_model: type
    row_model: type
    owner_attname: str
    target_attname: str
    target_model: type

    @property
    def kind(self):
        return KINDS[self.target_model]

    @property
    def item_columns(self):
        return (self.target_attname,)

    def item_of(self, columns):
        return columns[0]

    def build(self, owner, position, item):
        """The through row, as bulk_insert takes it."""
        return {self.owner_attname: owner, self.target_attname: item, "position": position}


@dataclass(frozen=True)
class ChildList(OrderedRows):
    """A reverse foreign key given as an ordered list of objects that only their owner holds."""

    owner_model: type
    row_model: type
    owner_attname: str

    @property
    def kind(self):
        return KINDS[self.row_model]

    @property
    def item_columns(self):
        return tuple(self.kind.attnames)

    def item_of(self, columns):
        return dict(zip(self.kind.attnames, columns, strict=True))

    def build(self, owner, position, item):
        """The child's row, as bulk_insert takes it."""
        return {**item, self.owner_attname: owner, "position": position}


@dataclass(frozen=True, eq=False)
class Kind:
    """One LL2 object type: its JSON `keys`, each read into the model field `sources` names for it."""

    model: type
    sources: dict  # JSON key -> model field name

    @cached_property
    def keys(self):
        return tuple(self.sources)

    @cached_property
    def slots(self):
        return {key: slot_for(self.model, source) for key, source in self.sources.items()}

    @cached_property
    def pk_attname(self):
        return self.model._meta.pk.attname

    @cached_property
    def attnames(self):
        """The columns this kind's keys fill (lists live in other tables)."""
        return [slot.attname for slot in self.slots.values() if isinstance(slot, Scalar | Reference)]

    @cached_property
    def referenced_models(self):
        """The models this kind's foreign keys point to: their rows must be written first."""
        return {slot.model for slot in self.slots.values() if isinstance(slot, Reference)}

    @property
    def has_own_id(self):
        return "id" in self.keys

    def __str__(self):
        return str(self.model._meta.verbose_name)


def through_attname(many_to_many, name):
    """The column attribute of the foreign key `name` of a many-to-many field's through model."""
    return many_to_many.remote_field.through._meta.get_field(name).attname


def slot_for(model, key):
    model_field = model._meta.get_field(key)
    if isinstance(model_field, models.ManyToManyField):
        return LinkList(
            owner_model=model,
            row_model=model_field.remote_field.through,
            owner_attname=through_attname(model_field, model_field.m2m_field_name()),
            target_attname=through_attname(model_field, model_field.m2m_reverse_field_name()),
            target_model=model_field.related_model,
        )
    if isinstance(model_field, models.ManyToOneRel):
        return ChildList(
            owner_model=model, row_model=model_field.related_model, owner_attname=model_field.field.attname
        )
    if isinstance(model_field, models.ForeignKey):
        return Reference(model_field.attname, model_field.related_model, model_field.null)
    return Scalar(model_field.attname, parser_for(model_field), model_field.null)


def kind_of(serializer_class):
    """The kind an API serializer renders: the input format is the output format, so a round trip is exact.

    Keys rendered from the whole object (`source="*"`: the `url`, `response_mode`) are derived, not stored.
    """
    fields = serializer_class().fields
    sources = {name: field.source for name, field in fields.items() if field.source != "*"}
    return Kind(serializer_class.Meta.model, sources)


# An event carries more keys the richer its mode; keys a mode lacks are left as they are in the database.
EVENT_KEYS_BY_MODE = {mode: kind_of(serializer).keys for mode, serializer in EVENT_MODES.items()}


def in_write_order(kinds):
    """`kinds` ordered so that each comes after every kind its foreign keys point to (otherwise as given).

    A foreign key to a model that no kind stores, or a cycle, is a configuration error.
    """
    stored = {kind.model for kind in kinds}
    remaining, ordered, written = list(kinds), [], set()
    while remaining:
        kind = next((kind for kind in remaining if kind.referenced_models <= written | {kind.model}), None)
        if kind is None:
            missing = {model for kind in remaining for model in kind.referenced_models} - stored
            raise ImproperlyConfigured(
                f"ingest cannot order {', '.join(map(str, remaining))}: "
                + (f"no kind stores {', '.join(m.__name__ for m in missing)}" if missing else "a cycle")
            )
        remaining.remove(kind)
        ordered.append(kind)
        written.add(kind.model)
    return tuple(ordered)


KIND_LIST = in_write_order(
    [
        kind_of(serializer)
        for serializer in (
            *LOOKUP_SERIALIZERS.values(),
            ImageSerializer,
            ImageVariantSerializer,
            AgencyMiniSerializer,
            MissionPatchSerializer,
            AstronautNormalSerializer,
            ProgramNormalSerializer,
            SpaceStationNormalSerializer,
            SpacewalkListSerializer,
            ExpeditionNormalSerializer,
            LaunchBasicSerializer,
            EventDetailedSerializer,
            VidURLSerializer,
            InfoURLSerializer,
            UpdateSerializer,
        )
    ]
)
KINDS = {kind.model: kind for kind in KIND_LIST}
EVENT = KINDS[Event]
