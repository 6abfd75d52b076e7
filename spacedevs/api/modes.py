"""`?mode=`: one viewset mixin maps LL2's modes to serializer classes and their query plans."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.exceptions import ValidationError

from .queryplan import plan_of
from .serializers import PlannedSerializer


class ModeViewSetMixin:
    """Serves each request with the serializer class of the mode it asks for.

    `serializer_classes` maps mode names to serializer classes. Without `?mode=`, lists use
    `default_list_mode` and `{id}/` routes `default_detail_mode`; mode names are case-insensitive, and an
    unknown one is a 400 naming the valid ones. The queryset is shaped by the chosen serializer's query plan
    (get_queryset); a route narrows its rows in get_unplanned_queryset.
    A view with several modes documents its response as one of them, by `response_mode`, under the OpenAPI
    component `polymorphic_component_name`.

    A concrete subclass (one with a `queryset`) is checked when it is defined: a misconfigured one fails at
    import, never as a 500.
    """

    serializer_classes: dict = {}
    default_list_mode = "normal"
    default_detail_mode = "detailed"
    mode_param = "mode"
    polymorphic_component_name: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if getattr(cls, "queryset", None) is None:
            return
        problems = []
        if not cls.serializer_classes:
            problems.append("serializer_classes is empty")
        for mode, serializer_class in cls.serializer_classes.items():
            if mode != mode.lower():
                problems.append(f"mode '{mode}' is not lower case")
            if not (isinstance(serializer_class, type) and issubclass(serializer_class, PlannedSerializer)):
                problems.append(f"mode '{mode}' is served by {serializer_class!r}, not a PlannedSerializer")
        for attribute in ("default_list_mode", "default_detail_mode"):
            if cls.serializer_classes and getattr(cls, attribute) not in cls.serializer_classes:
                problems.append(f"{attribute} '{getattr(cls, attribute)}' is not in serializer_classes")
        if len(cls.serializer_classes) > 1 and not cls.polymorphic_component_name:
            problems.append("several modes need a polymorphic_component_name for the schema")
        if "get_queryset" in cls.__dict__:
            # A page of stored documents reads the unplanned rows: a narrowing here would not reach it.
            problems.append("narrow the rows in get_unplanned_queryset, not get_queryset")
        if problems:
            raise ImproperlyConfigured(f"{cls.__qualname__}: {'; '.join(problems)}")

    @property
    def modes(self):
        return list(self.serializer_classes)

    def default_mode(self):
        return self.default_detail_mode if self.detail else self.default_list_mode

    def get_mode(self):
        requested = self.request.query_params.get(self.mode_param)
        if not requested:  # left out, or empty as any parameter may be
            return self.default_mode()
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
        return plan_of(self.get_serializer_class()).apply(self.get_unplanned_queryset())

    def get_unplanned_queryset(self):
        """The rows the route serves, with no serializer's query plan: the view's queryset, and whatever the
        route itself narrows it to (a subclass adds that here). A response that renders no row (stored
        documents) reads these."""
        return super().get_queryset()

    def query_parameter_names(self):
        return super().query_parameter_names() | {self.mode_param}
