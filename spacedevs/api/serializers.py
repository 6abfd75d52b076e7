"""Serializer bases shared by every resource."""

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from rest_framework import serializers

from .frozen import freeze
from .queryplan import derive_plan, plan_of, prefetched, related_rows


def _constructed_again(field):
    """A new, unbound `field` made from the arguments it was made from (a nested list's child too)."""
    kwargs = {
        key: _constructed_again(value) if isinstance(value, serializers.Field) else value
        for key, value in field._kwargs.items()
    }
    return type(field)(*field._args, **kwargs)


class PlannedListSerializer(serializers.ListSerializer):
    """A nested to-many list, read from the plain list its parent's query plan prefetched or, for an
    instance that did not go through the plan (the shell, the admin), from the relation itself."""

    def get_attribute(self, instance):
        try:
            return instance.__dict__[prefetched(self.source)]
        except KeyError:
            return related_rows(instance, self.source, type(self.child))


class PlannedSerializer(serializers.ModelSerializer):
    """A model serializer that knows which joins and prefetches it needs to render without extra queries.

    Every field must name a model field, by its name or its `source` (checked when the class is defined).
    The query plan is derived from the nested serializer fields: a foreign key is joined, a to-many relation
    prefetched in LL2's order. Override `query_plan()` only for what derivation cannot see.

    A nested object shared by many rows of a page (an agency, a program, an image) is rendered once per
    serializer context (a request), as a read-only dict: within one context its representation cannot
    differ.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        meta = getattr(cls, "Meta", None)
        if meta is None:
            return
        meta.list_serializer_class = getattr(meta, "list_serializer_class", PlannedListSerializer)
        # The API only reads: every key is always in the representation (and required in the schema).
        meta.read_only_fields = list(meta.fields)
        for name in meta.fields:
            source = getattr(cls._declared_fields.get(name), "source", None) or name
            if source == "*":
                continue
            try:
                meta.model._meta.get_field(source)
            except FieldDoesNotExist:
                raise ImproperlyConfigured(
                    f"{cls.__name__}.{name}: {meta.model.__name__} has no field '{source}' "
                    "(name a model field, or give source=)"
                ) from None
        plan_of(cls)  # a nested field the plan cannot follow fails here, at import

    @classmethod
    def nested_fields(cls):
        """(source, serializer class, many) for each nested serializer field, in `Meta.fields` order."""
        for name in cls.Meta.fields:
            field = cls._declared_fields.get(name)
            many = isinstance(field, serializers.ListSerializer)
            nested = field.child if many else field
            if isinstance(nested, PlannedSerializer):
                yield field.source or name, type(nested), many

    def get_fields(self):
        # ModelSerializer works its fields out from the model for every instance, and a detailed page nests
        # dozens of serializers per request: work them out once per class, then construct each instance's
        # fields afresh from the same arguments (what DRF's deepcopy does, without copying the arguments,
        # which fields only read).
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = super().get_fields()
            for name, field in cls._built_fields.items():
                if cls._is_nullable_object(field, field.source or name):
                    field._kwargs["allow_null"] = field.allow_null = True
        return {name: _constructed_again(field) for name, field in cls._built_fields.items()}

    @classmethod
    def _is_nullable_object(cls, field, source):
        """Whether `field` nests one object through a foreign key that may be empty: it renders null then,
        and the schema must say so (`allow_null`), as LL2's does."""
        if not isinstance(field, serializers.BaseSerializer) or isinstance(field, serializers.ListSerializer):
            return False
        return source != "*" and cls.Meta.model._meta.get_field(source).null

    @classmethod
    def query_plan(cls):
        return derive_plan(cls, cls.nested_fields())

    def to_representation(self, instance):
        top_level_row = self.parent is self.root and isinstance(self.root, serializers.ListSerializer)
        if self.root is self or top_level_row:
            return super().to_representation(instance)  # never shared within the request
        # Kept in the context: serializers given the same context (a request's, or the modes of a batch of
        # stored documents) share it, and a nested object renders the same under each of them.
        rendered = self.context.setdefault("_rendered", {})
        key = (type(self), instance.pk)
        if key not in rendered:
            rendered[key] = freeze(super().to_representation(instance))
        return rendered[key]


class ResponseModeField(serializers.Field):
    """The LL2 `response_mode` key: the serializer's own mode, fixed per class, whatever the request asked
    (an enum of that mode in the schema: api/schema.py)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        return self.parent.mode


class ModeSerializer(PlannedSerializer):
    """A serializer for one LL2 mode, emitted as `response_mode`: `list`, `normal` or `detailed`."""

    response_mode = ResponseModeField()
