"""The schema and its two readers (Swagger UI, Redoc), whose errors are JSON like every other response."""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .pages import page_context
from .renderers import FastJSONRenderer


class JSONErrorsMixin:
    """Errors (405, 406, a 404 for an unknown `?format=`) in JSON, not in the view's own format: the schema
    view would answer them in YAML, the readers in HTML."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = FastJSONRenderer()
        self.request.accepted_media_type = "application/json"
        return response


class SchemaView(JSONErrorsMixin, SpectacularAPIView):
    pass


class SwaggerView(JSONErrorsMixin, SpectacularSwaggerView):
    @extend_schema(exclude=True)  # as drf-spectacular's own: a page, not an operation of the API
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data |= page_context(self)  # the template's context
        return response


class RedocView(JSONErrorsMixin, SpectacularRedocView):
    template_name = "spacedevs/redoc.html"  # without the Google Fonts of drf-spectacular's
