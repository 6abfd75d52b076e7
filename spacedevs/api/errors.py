"""JSON bodies for the errors Django itself answers, so that no client ever gets an HTML error page."""

from django.http import Http404, JsonResponse
from rest_framework import views
from rest_framework.exceptions import NotFound


def json_bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request."}, status=400)


def json_forbidden(request, exception=None):
    return JsonResponse({"detail": "Forbidden."}, status=403)


def json_not_found(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def json_server_error(request):
    return JsonResponse({"detail": "Server error."}, status=500)


def exception_handler(exc, context):
    """DRF's handler, with one 404 body everywhere (`Not found.`), as LL2 gives it."""
    if isinstance(exc, Http404):
        exc = NotFound()
    return views.exception_handler(exc, context)
