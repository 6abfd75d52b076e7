"""The API's HTML pages (the browsable API, Swagger UI), the same for every client.

DRF's browsable API and Swagger UI put a CSRF token in each page, for the requests that change data (POST,
PUT, PATCH, DELETE) which their forms and "Try it out" send. Taking a token sets the CSRF cookie on the
response, which makes the page personal: never cached, validated, nor kept by a shared cache
(spacedevs/response_cache.py). A view that answers only GET, HEAD and OPTIONS sends no such request, so
its pages go without a token, like its JSON.
"""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import BrowsableAPIRenderer


def page_context(view):
    """What a page of `view` puts in its template's context over the context processors' values: for a
    view that changes nothing, an empty CSRF token (Django's processor then never takes one)."""
    if set(view.allowed_methods) <= set(SAFE_METHODS):
        return {"csrf_token": ""}
    return {}


class PublicBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API, whose pages of read-only views hold no CSRF token (page_context)."""

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        return context | page_context(renderer_context["view"])
