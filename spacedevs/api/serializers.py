"""Serializer bases shared by every resource."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .queryplan import QueryPlan


class PlannedSerializer(serializers.ModelSerializer):
    """A serializer that knows which joins and prefetches it needs to render without extra queries.

    Subclasses extend `query_plan()` from their parent's, adding one entry per nested serializer.
    """

    @classmethod
    def query_plan(cls):
        return QueryPlan()

    def to_representation(self, instance):
        # A nested object shared by many rows of a page (an agency, a program, an image) is rendered once
        # per request: within one request its representation cannot differ.
        if self.root is self:
            return super().to_representation(instance)
        rendered = self.root.__dict__.setdefault("_rendered", {})
        key = (type(self), instance.pk)
        if key not in rendered:
            rendered[key] = super().to_representation(instance)
        return rendered[key]


@extend_schema_field(OpenApiTypes.STR)
class ResponseModeField(serializers.Field):
    """The LL2 `response_mode` key: the serializer's own mode, fixed per class, whatever the request asked."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        return self.parent.mode


class ModeSerializer(PlannedSerializer):
    """A serializer for one LL2 mode, emitted as `response_mode`: `list`, `normal` or `detailed`."""

    response_mode = ResponseModeField()
