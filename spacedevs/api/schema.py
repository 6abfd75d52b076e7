"""The OpenAPI schema (drf-spectacular) of LL2's modes: a `mode` parameter and a polymorphic response."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer

from .modes import ModeViewSetMixin
from .versions import CANONICAL_PREFIX


class ModeAutoSchema(AutoSchema):
    """Documents `?mode=` and, where a view has several modes, a response that is one of them by
    `response_mode` (named by the view's `polymorphic_component_name`), as LL2's own schema does."""

    def get_override_parameters(self):
        if not isinstance(self.view, ModeViewSetMixin):
            return super().get_override_parameters()
        mode = OpenApiParameter(
            self.view.mode_param,
            enum=self.view.modes,
            default=self.view.default_mode(),
            description="Specifies the level of detail for the response (case-insensitive).",
        )
        return [*super().get_override_parameters(), mode]

    def get_response_serializers(self):
        if not isinstance(self.view, ModeViewSetMixin) or len(self.view.serializer_classes) < 2:
            return super().get_response_serializers()
        return PolymorphicProxySerializer(
            component_name=self.view.polymorphic_component_name,
            serializers={mode: serializer for mode, serializer in self.view.serializer_classes.items()},
            resource_type_field_name="response_mode",
            many=not self.view.detail,
        )


def canonical_paths_only(endpoints, **kwargs):
    """Preprocessing hook: document the canonical `/2.3.0/` routes, not their unversioned aliases."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(CANONICAL_PREFIX)]
