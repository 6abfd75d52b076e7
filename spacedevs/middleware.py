"""Per-request view of the data state."""

import datetime

from .models import DataState

# WSGI environ keys: the data state read before Django (spacedevs/replay.py), or the error reading it.
DATA_STATE_KEY = "spacedevs.data_state"
DATA_STATE_ERROR_KEY = "spacedevs.data_state_error"


def iso_utc(moment):
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class DataStateMiddleware:
    """Reads the data state once per request (`request.data_state`, unless read before Django), for the
    views and caches that depend on it, and tells every client how fresh a mirror is: `X-Mirror-Synced-At`
    (ISO 8601 in UTC, like the API's times) once a sync has committed a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if DATA_STATE_ERROR_KEY in request.META:
            raise request.META[DATA_STATE_ERROR_KEY]
        request.data_state = request.META.get(DATA_STATE_KEY) or DataState.current()
        response = self.get_response(request)
        # The state the response was computed from: the response cache may have read a newer one.
        synced_at = request.data_state.synced_at
        if synced_at is not None:
            response.headers["X-Mirror-Synced-At"] = iso_utc(synced_at)
        return response
