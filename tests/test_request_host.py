"""The host a request is for, as HTTP/1.1 defines it (spacedevs/request_host.py); through gunicorn:
tests/test_production.py."""

import pytest

from spacedevs.request_host import HostAsHTTPDefinesIt


def host_given(environ):
    """The `Host` the application behind HostAsHTTPDefinesIt is given (None: none)."""
    seen = {}

    def application(environ, start_response):
        seen["host"] = environ.get("HTTP_HOST")
        return [b""]

    HostAsHTTPDefinesIt(application)(environ, None)
    return seen["host"]


@pytest.mark.parametrize(
    ("environ", "host"),
    [
        ({"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/2.3.0/", "HTTP_HOST": "example.org"}, "example.org"),
        ({"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/2.3.0/"}, ""),  # refused as an empty Host is
        ({"SERVER_PROTOCOL": "HTTP/1.0", "RAW_URI": "/2.3.0/"}, None),  # HTTP/1.0 may leave it out
        ({"SERVER_PROTOCOL": "HTTP/1.2", "RAW_URI": "/2.3.0/"}, ""),  # taken as HTTP/1.1
        ({"SERVER_PROTOCOL": "HTTP/1.10", "RAW_URI": "/2.3.0/"}, ""),
        (
            {
                "SERVER_PROTOCOL": "HTTP/1.1",
                "RAW_URI": "http://example.org:8000/2.3.0/?q=1",
                "HTTP_HOST": "a",
            },
            "example.org:8000",
        ),
        # HTTP/1.1 without Host is refused, even when its target names one (RFC 9112 §3.2).
        ({"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "http://example.org/2.3.0/"}, ""),
        (
            {"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "https://example.org/", "HTTP_HOST": "elsewhere.test"},
            "example.org",
        ),
        ({"SERVER_PROTOCOL": "HTTP/1.0", "RAW_URI": "http://example.org/"}, "example.org"),
        ({"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "HTTPS://example.org/", "HTTP_HOST": "x"}, "example.org"),
        # Another scheme's target names no host served here (the empty Host's 400).
        ({"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "ftp://example.org/", "HTTP_HOST": "example.org"}, ""),
        ({"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "http:///2.3.0/", "HTTP_HOST": "example.org"}, ""),
        (
            {"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/redirect?to=http://x/", "HTTP_HOST": "a.test"},
            "a.test",
        ),
        ({"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "*", "HTTP_HOST": "example.org"}, "example.org"),
    ],
)
def test_the_host_is_the_targets_else_the_headers_and_none_is_empty_in_http_1_1(environ, host):
    assert host_given(environ) == host


@pytest.mark.parametrize(
    ("host", "given"),
    [
        # Not a Host by HTTP's grammar: refused whatever the target (§3.2).
        ("a b", ""),
        ("a@b", ""),
        ("x:y", ""),
        ("ex%zz", ""),
        ("[::1", ""),
        # A Host, empty or one that Django would not serve: the target's host instead (§3.2.2).
        ("", "example.org"),
        (":80", "example.org"),
        ("my_host", "example.org"),
        ("a.test:", "example.org"),
        ("[v1.x]", "example.org"),
        ("ex%41.org", "example.org"),
        ("[::1]:8", "example.org"),
    ],
)
def test_an_absolute_form_target_refuses_an_invalid_host_and_ignores_a_valid_one(host, given):
    environ = {"SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "http://example.org/", "HTTP_HOST": host}
    assert host_given(environ) == given


def test_a_server_that_gives_no_raw_target_leaves_the_host_as_it_is():
    assert host_given({"SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "example.org"}) == "example.org"
