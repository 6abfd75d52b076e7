"""Which DRF view a request is for, resolved once per request: the middleware that treat API requests
alone (the throttle, the response cache) ask it."""

from django.urls import Resolver404, resolve
from rest_framework.views import APIView


def api_view_class(request):
    """The DRF view class serving `request`, or None (the admin, static files, unknown paths); resolved once
    per request (the throttle asks too)."""
    if not hasattr(request, "_api_view_class"):
        try:
            view_class = getattr(resolve(request.path_info).func, "cls", None)
        except Resolver404:
            view_class = None
        is_api = isinstance(view_class, type) and issubclass(view_class, APIView)
        request._api_view_class = view_class if is_api else None
    return request._api_view_class
