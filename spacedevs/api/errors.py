"""JSON bodies for the errors Django itself answers, so that no client ever gets an HTML error page."""

from django.http import JsonResponse


def json_not_found(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def json_server_error(request):
    return JsonResponse({"detail": "Server error."}, status=500)
