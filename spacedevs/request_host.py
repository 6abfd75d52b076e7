"""The host a request is for, as HTTP/1.1 defines it (RFC 9112 §3.2), settled before anything reads `Host`."""

import re
from urllib.parse import urlsplit

# HTTP/1.1, or a later HTTP/1.x, which a server takes as the latest it knows (RFC 9110 §2.5).
HTTP_1_1_OR_LATER = re.compile(r"HTTP/1\.[1-9][0-9]*")
HTTP_SCHEMES = ("http", "https")
# `Host = uri-host [ ":" port ]` (RFC 9112 §3.2; RFC 3986 §3.2.2, §3.2.3): an IP literal (v6, or
# IPvFuture), or a registered name (an IPv4 address among them) of unreserved characters, sub-delims and
# %-escapes, which may be empty; a port of any digits, or none.
URI_HOST = re.compile(
    r"(?:\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\.[A-Za-z0-9._~!$&'()*+,;=:-]+)\]"
    r"|(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)"
    r"(?::[0-9]*)?"
)


def is_invalid_host(host):
    """Whether a `Host` is one §3.2 refuses whatever the target: not HTTP's grammar of one (which is wider
    than the names Django serves: `my_host`, `example.org:`)."""
    return not URI_HOST.fullmatch(host)


class HostAsHTTPDefinesIt:
    """WSGI middleware for what gunicorn passes on as it came. An HTTP/1.1 request without `Host` gets an
    empty one, even when its target names a host, refused as any host ALLOWED_HOSTS does not name (a JSON
    400, which RFC 9112 §3.2 asks of it), where Django would take the server's own name and build every
    link from it. A request whose target is in absolute form (`GET http://example.org/2.3.0/events/`, as
    clients send to a proxy) is for the host the target names, whatever its `Host` says (§3.2.2): that one
    is checked, and in the links, unless the `Host` it came with is invalid, which §3.2 refuses whatever
    the target. One whose scheme is not HTTP's (`ftp://…`) names no host served here, and is refused as
    none is. Only what reads the host refuses it: the probes answer for any host or none, and any target
    (they build no links, and a load balancer probes by address), and so do static files, but for a plain
    HTTP request under SECURE_SSL_REDIRECT, whose redirect to https:// is built from its host."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        target = environ.get("RAW_URI", "")
        if "HTTP_HOST" not in environ and HTTP_1_1_OR_LATER.fullmatch(environ.get("SERVER_PROTOCOL", "")):
            environ["HTTP_HOST"] = ""  # whatever the target names (§3.2)
        elif not target.startswith("/") and "://" in target:
            parts = urlsplit(target)
            named = parts.scheme in HTTP_SCHEMES and not is_invalid_host(environ.get("HTTP_HOST", ""))
            environ["HTTP_HOST"] = parts.netloc if named else ""
        return self.application(environ, start_response)
