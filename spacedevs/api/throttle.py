"""`/2.3.0/api-throttle/`: a client's request limit and its use, as LL2 reports them."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..throttling import throttle_for
from .errors import MethodFirstMixin


class APIThrottleView(MethodFirstMixin, APIView):
    """Your request limit and how much of it you have used: `your_request_limit` requests every
    `limit_frequency_secs` seconds, `current_use` of them in the last window, and `next_use_secs` until the
    next one is allowed (0 while under the limit). `ident` is who you are counted as: your address, or your
    key's prefix when you send `Authorization: Token <key>`. Asking does not count; limits are null when
    requests are not limited."""

    throttle_counted = False
    cache_responses = False

    @extend_schema(
        operation_id="api_throttle_list",  # LL2's, for clients generated from its document
        responses=inline_serializer(
            "APIThrottle",
            {
                "your_request_limit": serializers.IntegerField(allow_null=True),
                "limit_frequency_secs": serializers.IntegerField(allow_null=True),
                "current_use": serializers.IntegerField(),
                "next_use_secs": serializers.IntegerField(),
                "ident": serializers.CharField(),
            },
        ),
    )
    def get(self, request, *args, **kwargs):
        throttle = throttle_for(request.api_key)  # ThrottleMiddleware authenticated it
        used, wait = throttle.current_use(request)
        body = {
            "your_request_limit": throttle.num_requests,
            "limit_frequency_secs": throttle.duration,
            "current_use": used,
            "next_use_secs": wait,
            "ident": throttle.ident(request),
        }
        return Response(body)

    def finalize_response(self, request, response, *args, **kwargs):
        # Its errors too (a bad `?format=`, a method it does not take): nothing here is for a cache.
        response = super().finalize_response(request, response, *args, **kwargs)
        response.headers["Cache-Control"] = "no-store"
        return response
