"""The schema and its two readers (Swagger UI, Redoc), whose errors are JSON like every other response."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .errors import MethodFirstMixin
from .pages import page_context
from .renderers import FastJSONRenderer


class JSONBesidesTheDocumentMixin(MethodFirstMixin):
    """Answers in JSON all but the view's own document: errors (405, 406, a 400 for an unknown `?format=`),
    which the schema view would answer in YAML and the readers in HTML, and OPTIONS' description of the
    view, which the readers' templates cannot render."""

    def options(self, request, *args, **kwargs):
        response = super().options(request, *args, **kwargs)
        self._in_json()
        return response

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self._in_json()
        return response

    def _in_json(self):
        self.request.accepted_renderer = FastJSONRenderer()
        self.request.accepted_media_type = "application/json"


class SchemaView(JSONBesidesTheDocumentMixin, SpectacularAPIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})  # drf-spectacular's, without its `lang`
    def get(self, request, *args, **kwargs):
        """The one document, whatever `?lang=` asks: drf-spectacular would translate into that language DRF's
        own texts alone (the limit's, the offset's), and leave the project's in English."""
        return self._get_schema_response(request)

    def _get_version_parameter(self, request):
        """None: the API has the one version in its paths. drf-spectacular would take `?version=` as it is,
        into the document's `info.version` and its file name in `Content-Disposition` (where a line break
        or a control character is a 500)."""
        return None


class SwaggerView(JSONBesidesTheDocumentMixin, SpectacularSwaggerView):
    @extend_schema(exclude=True)  # as drf-spectacular's own: a page, not an operation of the API
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data |= page_context(self)  # the template's context
        return response


class RedocView(JSONBesidesTheDocumentMixin, SpectacularRedocView):
    template_name = "spacedevs/redoc.html"  # without the Google Fonts of drf-spectacular's
