"""The API root: a link to every resource, and where the data comes from."""

from rest_framework import routers
from rest_framework.utils import formatting

from ..middleware import iso_utc


class APIRootView(routers.APIRootView):
    """A replica of Launch Library 2's 2.3.0 events API, and the resources an event links to: follow a link
    below. Documentation: [Swagger UI](/2.3.0/swagger/), [Redoc](/2.3.0/redoc/), the
    [OpenAPI schema](/2.3.0/schema/)."""

    # Its help text says where from and when the data was last synced (spacedevs/response_cache.py).
    response_shows_sync = True

    def get_view_description(self, html=False):
        description = f"{formatting.dedent(self.__doc__)}\n\n{provenance(self.request.data_state)}"
        return formatting.markup_description(description) if html else description


def provenance(state):
    if state.synced_at is None:
        return "This server has not synced from an upstream: it serves the data imported into it."
    return f"Mirrored from <{state.synced_from}>, last synced at {iso_utc(state.synced_at)}."
