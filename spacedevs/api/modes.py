"""`?mode=`: one viewset mixin maps LL2's modes to serializer classes and their query plans."""

from functools import cache

from rest_framework.exceptions import ValidationError


@cache
def plan_of(serializer_class):
    """A serializer class's query plan, built once per process."""
    return serializer_class.query_plan()


class ModeViewSetMixin:
    """Serves each request with the serializer class of the mode it asks for.

    `serializer_classes` maps mode names to serializer classes. Without `?mode=`, lists use
    `default_list_mode` and `{id}/` routes `default_detail_mode`; mode names are case-insensitive, and an
    unknown one is a 400 naming the valid ones. The queryset is shaped by the chosen serializer's query plan.
    """

    serializer_classes = {}
    default_list_mode = "normal"
    default_detail_mode = "detailed"
    mode_param = "mode"

    def get_mode(self):
        requested = self.request.query_params.get(self.mode_param)
        if requested is None:
            return self.default_detail_mode if self.detail else self.default_list_mode
        mode = requested.lower()
        if mode not in self.serializer_classes:
            valid = ", ".join(self.serializer_classes)
            raise ValidationError(
                {self.mode_param: [f"'{requested}' is not a valid mode; valid modes are: {valid}."]}
            )
        return mode

    def get_serializer_class(self):
        return self.serializer_classes[self.get_mode()]

    def get_queryset(self):
        return plan_of(self.get_serializer_class()).apply(super().get_queryset())

    def query_parameter_names(self):
        return super().query_parameter_names() | {self.mode_param}
