"""The API root: a link to every resource, and where the data comes from."""

import contextlib

from django.urls import NoReverseMatch, get_script_prefix
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from rest_framework import routers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.utils import formatting

from ..timestamps import iso_utc
from .errors import MethodFirstMixin


class APIRootView(MethodFirstMixin, routers.APIRootView):
    """A replica of Launch Library 2's 2.3.0 events API, and the resources an event links to: follow a link
    below. Documentation: [Swagger UI](/2.3.0/swagger/), [Redoc](/2.3.0/redoc/), the
    [OpenAPI schema](/2.3.0/schema/)."""

    # Its help text says where from and when the data was last synced (spacedevs/response_cache.py).
    response_shows_sync = True

    def get(self, request, *args, **kwargs):
        # DRF's reverses each link in the namespace the root was reached in: the unversioned root's were
        # unversioned. Every link a response gives is in the canonical /2.3.0/ form.
        links = {}
        for name, url_name in self.api_root_dict.items():
            with contextlib.suppress(NoReverseMatch):  # a route of detail views alone has no list to link
                links[name] = reverse(url_name, request=request, format=kwargs.get("format"))
        return Response(links)

    def get_view_description(self, html=False):
        # The documentation's links are paths from the site's root: under a script prefix, from there.
        help_text = formatting.dedent(self.__doc__).replace("](/", f"]({get_script_prefix()}")
        state = self.request.data_state
        if not html:
            return f"{help_text}\n\n{provenance(state, f'<{state.synced_from}>')}"
        # The upstream's URL is the operator's text: escaped into the page, not passed through Markdown,
        # which keeps HTML as it is.
        link = format_html('<a href="{0}">{0}</a>', state.synced_from)
        sentence = mark_safe(provenance(state, link))  # its one text from outside is escaped
        return formatting.markup_description(help_text) + format_html("<p>{}</p>", sentence)


def provenance(state, upstream):
    """Where the data comes from (`upstream`: the URL it was synced from, as the description writes it) and
    when it was last synced."""
    if state.synced_at is None:
        return "This server has not synced from an upstream: it serves the data imported into it."
    return f"Mirrored from {upstream}, last synced at {iso_utc(state.synced_at)}."
