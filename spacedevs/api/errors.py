"""JSON bodies for the errors Django itself answers, so that no client ever gets an HTML error page."""

import contextlib
import sys

from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils.cache import patch_cache_control
from rest_framework import views
from rest_framework.exceptions import MethodNotAllowed, NotFound
from rest_framework.views import APIView

from ..faults import is_database_unavailable, is_timeout


class CompactJsonResponse(JsonResponse):
    """JSON as DRF renders it (and LL2 answers): no spaces after `,` and `:`."""

    def __init__(self, data, **kwargs):
        super().__init__(data, json_dumps_params={"separators": (",", ":")}, **kwargs)


class BodilessErrorsMiddleware:
    """The errors that Django's own views and WhiteNoise answer with no body of theirs, as JSON, in DRF's
    words: a method a view does not take (405: the admin's sign-in page asked TRACE, a static file POSTed),
    a range a static file does not have (416). Their headers (`Allow`, `Content-Range`, CORS…) and cookies
    stay. Outside WhiteNoise, which answers before the rest."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code not in (405, 416) or response.get("Content-Type") == "application/json":
            return response
        if response.status_code == 405:
            detail = str(MethodNotAllowed(request.method).detail)
        else:
            detail = "Requested range not satisfiable."
        replaced = CompactJsonResponse({"detail": detail}, status=response.status_code)
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length", "content-encoding"):
                replaced[header] = value
        replaced.cookies = response.cookies
        # Not closed: it holds no file, and closing a response signals the request's end (request_finished:
        # the database's connections closed, in the middle of it).
        return replaced


def json_bad_request(request, exception=None):
    return CompactJsonResponse({"detail": "Bad request."}, status=400)


def json_forbidden(request, exception=None):
    return CompactJsonResponse({"detail": "Forbidden."}, status=403)


def json_csrf_failure(request, reason=""):
    """A form's POST (the admin's) that Django's CSRF check refuses: JSON too, in DRF's words for it."""
    return CompactJsonResponse({"detail": f"CSRF Failed: {reason}"}, status=403)


class NotFoundView(APIView):
    """Not found."""

    def perform_content_negotiation(self, request, force=False):
        # An unknown path is a 404 whatever its `?format=` or `Accept` asks (a 400 or a 406 otherwise): in
        # what they ask for if this view gives it, else in JSON.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, *args, **kwargs):
        raise NotFound

    def options(self, request, *args, **kwargs):
        raise NotFound  # not a description of this view

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound  # an unknown path is a 404 whatever the method


@contextlib.contextmanager
def answered_as_get(request):
    """`request` seen as a GET while a response is made for it: a HEAD gets its GET's headers, and a page
    may name the method it answers (the browsable API does), which would change its length."""
    method, request.method = request.method, "GET"
    try:
        yield
    finally:
        request.method = method


def not_found(request, exception=None):
    """An unknown path as DRF answers an unknown id: the same JSON bytes, or the browsable 404 page for a
    browser (a HEAD's headers are its GET's)."""
    with answered_as_get(request) if request.method == "HEAD" else contextlib.nullcontext():
        response = NotFoundView.as_view()(request).render()
    # As for an unknown id (spacedevs/response_cache.py): kept by shared caches no longer than a page.
    patch_cache_control(response, public=True, max_age=settings.RESPONSE_MAX_AGE)
    return response


def json_server_error(request):
    """500, or 503 with `Retry-After` when the error is the database being unreachable or too slow (Django
    calls this while handling the exception). A 503 of a database that could not be reached says so
    (`response.outage`): that is no request's doing, where one past its deadline may be its own query's."""
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        response = CompactJsonResponse(
            {"detail": "The database is unavailable. Try again shortly."},
            status=503,
            headers={"Retry-After": str(settings.DATABASE_RETRY_AFTER)},
        )
        response.outage = not is_timeout(error)
        return response
    return CompactJsonResponse({"detail": "Server error."}, status=500)


class MethodFirstMixin:
    """For a DRF view: a method it does not take is a 405, whatever else is wrong with the request. DRF
    negotiates the content type first, and would answer a POST that asks for a type or a `?format=` the view
    does not give with a 406 or a 400."""

    def initial(self, request, *args, **kwargs):
        if request.method not in self.allowed_methods:
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


def exception_handler(exc, context):
    """DRF's handler, with one 404 body everywhere (`Not found.`), as LL2 gives it."""
    if isinstance(exc, Http404):
        exc = NotFound()
    return views.exception_handler(exc, context)
