"""A test client that sends requests through the WSGI application as gunicorn calls it: the replay of cached
responses (spacedevs/replay.py) in front of Django's handler, which Django's own test client skips."""

import json

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import get_script_prefix, set_script_prefix

from spacedevs.replay import ReplayedResponses
from spacedevs.wsgi import django_application


class WSGIResponse(HttpResponse):
    """A response as the client received it (status, headers, body), with the test client's `json()`."""

    def json(self):
        return json.loads(self.content)


class WSGIClient:
    """`get` and `head` like django.test.Client's, through a ReplayedResponses of its own (nothing kept from
    another test). `django_calls` counts the requests that reached Django; `sent_headers` are the last
    response's headers as the application sent them (a list: a header sent twice is there twice)."""

    def __init__(self):
        self.django_calls = 0
        self.sent_headers = []
        self.application = ReplayedResponses(self._django)
        self.factory = RequestFactory()

    def _django(self, environ, start_response):
        self.django_calls += 1
        return django_application(environ, start_response)

    def get(self, path, data=None, **extra):
        return self._send(self.factory.get(path, data, **extra).environ)

    def head(self, path, data=None, **extra):
        return self._send(self.factory.head(path, data, **extra).environ)

    def _send(self, environ):
        sent = {}

        def start_response(status, headers, exc_info=None):
            sent.update(status=int(status[:3]), headers=headers)

        # As Django's test client: the test's connection (inside its transaction) is not closed at the end,
        # and the thread's script prefix (which Django's handler sets from SCRIPT_NAME) is left as it was,
        # for the `reverse()` of later tests.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        prefix = get_script_prefix()
        try:
            result = self.application(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()
        finally:
            set_script_prefix(prefix)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        self.sent_headers = list(sent["headers"])
        response = WSGIResponse(body, status=sent["status"])
        for header in list(response.headers):
            del response.headers[header]
        for name, value in sent["headers"]:
            response.headers[name] = value
        return response
