"""Which JSON keys of each LL2 object are stored, and how: derived from the models themselves.

A kind lists the keys LL2 emits for one object type (in LL2's order). Each key names a model field or
relation, and the relation's type decides how the value is read:

- a plain field is a scalar, parsed by its model field type (length and nullability included);
- a foreign key is a nested object of another kind, or null where the field allows it;
- a many-to-many through an `OrderedLink` model is an ordered list of nested objects of another kind;
- a reverse foreign key is a list of children the object owns (video URLs, updates, image variants).

Keys an object has but we derive (`url`, `response_mode`) are not listed and are ignored on input.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.db import models

from agencies.models import Agency, MissionPatch
from astronauts.models import Astronaut
from config import models as config_models
from events.models import Event, InfoURL, Update, VidURL
from launches.models import Launch
from programs.models import Program
from spacestations.models import Expedition, SpaceStation, Spacewalk

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

    def item_of(self, row):
        return getattr(row, self.target_attname)

    def build(self, owner, position, item):
        return self.row_model(**{self.owner_attname: owner, self.target_attname: item, "position": position})


@dataclass(frozen=True)
class ChildList(OrderedRows):
    """A reverse foreign key given as an ordered list of objects that only their owner holds."""

    owner_model: type
    row_model: type
    owner_attname: str

    @property
    def kind(self):
        return KINDS[self.row_model]

    def item_of(self, row):
        return {name: getattr(row, name) for name in self.kind.attnames}

    def build(self, owner, position, item):
        return self.row_model(**item, **{self.owner_attname: owner, "position": position})


@dataclass(frozen=True, eq=False)
class Kind:
    model: type
    keys: tuple
    label: str = field(default="")

    @cached_property
    def slots(self):
        return {key: slot_for(self.model, key) for key in self.keys}

    @cached_property
    def pk_attname(self):
        return self.model._meta.pk.attname

    @cached_property
    def attnames(self):
        """The columns this kind's keys fill (lists live in other tables)."""
        return [slot.attname for slot in self.slots.values() if isinstance(slot, Scalar | Reference)]

    @property
    def has_own_id(self):
        return "id" in self.keys

    def __str__(self):
        return self.label or self.model._meta.verbose_name


def slot_for(model, key):
    model_field = model._meta.get_field(key)
    if isinstance(model_field, models.ManyToManyField):
        return LinkList(
            owner_model=model,
            row_model=model_field.remote_field.through,
            owner_attname=model_field.m2m_field_name() + "_id",
            target_attname=model_field.m2m_reverse_field_name() + "_id",
            target_model=model_field.related_model,
        )
    if isinstance(model_field, models.ManyToOneRel):
        return ChildList(
            owner_model=model, row_model=model_field.related_model, owner_attname=model_field.field.attname
        )
    if isinstance(model_field, models.ForeignKey):
        return Reference(model_field.attname, model_field.related_model, model_field.null)
    return Scalar(model_field.attname, parser_for(model_field), model_field.null)


def _lookup_kind(model):
    return Kind(model, tuple(f.name for f in model._meta.concrete_fields))


LOOKUP_MODELS = (
    config_models.EventType,
    config_models.NetPrecision,
    config_models.LaunchStatus,
    config_models.VidURLType,
    config_models.InfoURLType,
    config_models.Language,
    config_models.AgencyType,
    config_models.ProgramType,
    config_models.SpaceStationStatus,
    config_models.SpaceStationType,
    config_models.AstronautStatus,
    config_models.ImageVariantType,
    config_models.ImageLicense,
)

EVENT_LIST_KEYS = (
    "id",
    "name",
    "info_urls",
    "vid_urls",
    "image",
    "date",
    "slug",
    "type",
    "description",
    "webcast_live",
    "location",
    "date_precision",
    "duration",
)
EVENT_NORMAL_KEYS = (*EVENT_LIST_KEYS, "updates", "last_updated")
EVENT_DETAILED_KEYS = (
    *EVENT_NORMAL_KEYS,
    "agencies",
    "launches",
    "expeditions",
    "spacestations",
    "program",
    "astronauts",
)
# An event carries more keys the richer its mode; keys a mode lacks are left as they are in the database.
EVENT_KEYS_BY_MODE = {"list": EVENT_LIST_KEYS, "normal": EVENT_NORMAL_KEYS, "detailed": EVENT_DETAILED_KEYS}

# In write order: everything a kind refers to comes before it.
KIND_LIST = (
    *(_lookup_kind(model) for model in LOOKUP_MODELS),
    Kind(
        config_models.Image,
        ("id", "name", "image_url", "thumbnail_url", "credit", "license", "single_use", "variants"),
    ),
    Kind(config_models.ImageVariant, ("id", "type", "image_url")),
    Kind(Agency, ("id", "name", "abbrev", "type")),
    Kind(MissionPatch, ("id", "name", "priority", "image_url", "agency")),
    Kind(Astronaut, ("id", "name", "status", "agency", "image")),
    Kind(
        Program,
        (
            "id",
            "name",
            "image",
            "info_url",
            "wiki_url",
            "description",
            "agencies",
            "start_date",
            "end_date",
            "mission_patches",
            "type",
        ),
    ),
    Kind(
        SpaceStation,
        ("id", "name", "image", "status", "founded", "deorbited", "description", "orbit", "type"),
    ),
    Kind(Spacewalk, ("id", "name", "start", "end", "duration", "location")),
    Kind(Expedition, ("id", "name", "start", "end", "spacestation", "mission_patches", "spacewalks")),
    Kind(
        Launch,
        (
            "id",
            "name",
            "slug",
            "launch_designator",
            "status",
            "last_updated",
            "net",
            "net_precision",
            "window_end",
            "window_start",
            "image",
            "infographic",
        ),
    ),
    Kind(Event, EVENT_DETAILED_KEYS),
    Kind(
        VidURL,
        (
            "priority",
            "source",
            "publisher",
            "title",
            "description",
            "feature_image",
            "url",
            "type",
            "language",
            "start_time",
            "end_time",
            "live",
        ),
    ),
    Kind(InfoURL, ("priority", "source", "title", "description", "feature_image", "url", "type", "language")),
    Kind(Update, ("id", "profile_image", "comment", "info_url", "created_by", "created_on")),
)
KINDS = {kind.model: kind for kind in KIND_LIST}
EVENT = KINDS[Event]
