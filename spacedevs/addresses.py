"""The client's address, as the throttle counts it and the request log names it, and the connections whose
forwarded headers are believed."""

import functools
import ipaddress

from rest_framework.throttling import BaseThrottle


class ClientAddress(BaseThrottle):
    """DRF's client (REMOTE_ADDR, or the address the TRUSTED_PROXIES proxies in front report in
    X-Forwarded-For: NUM_PROXIES) as one address, however a proxy writes it (address_alone)."""

    def get_ident(self, request):
        return address_alone(super().get_ident(request))


# Read twice for each request (its count, its log line), by clients that come back: parsing costs a few
# microseconds, against a cache hit's fraction of one.
@functools.lru_cache(maxsize=4096)
def address_alone(given):
    """The client in `given`, without the port some proxies add (`203.0.113.7:40000`, `[2001:db8::7]:40000`,
    `unknown:40000`), which would make each of a client's connections another client: an IP address in its
    canonical text, as IPv4 when it is IPv4 mapped into IPv6; anything else (RFC 7239's `unknown`, a proxy's
    obfuscated name) as written. None (a WSGI server that gives no REMOTE_ADDR) stays None."""
    if not given:
        return given
    text = given.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
)


class ForwardedByProxiesAlone:
    """WSGI middleware: a request's forwarded headers (X-Forwarded-For, -Proto, -Host, -Port) are dropped
    unless its connection comes from one of `networks` (TRUSTED_PROXY_ADDRESSES; none given: from any), before
    anything reads them: the throttle's and the log's client address (TRUSTED_PROXIES), the scheme
    (TRUST_X_FORWARDED_PROTO), the replay's key. A client reaching the server past its proxy could otherwise
    choose the address it is counted as."""

    def __init__(self, application, networks):
        self.application = application
        self.networks = tuple(map(ipaddress.ip_network, networks))
        # Keyed by the address alone: a key holding the networks would hash each of them at every request.
        self.from_proxy = functools.lru_cache(maxsize=4096)(
            functools.partial(from_proxy, networks=self.networks)
        )

    def __call__(self, environ, start_response):
        if self.networks and not self.from_proxy(environ.get("REMOTE_ADDR")):
            for name in FORWARDED_HEADERS:
                environ.pop(name, None)
        return self.application(environ, start_response)


def from_proxy(remote_address, networks):
    """Whether a connection from `remote_address` (REMOTE_ADDR, read by address_alone: IPv4 mapped into IPv6
    as IPv4) comes from one of `networks`; a connection with no address (a Unix socket's: a proxy on the
    same host) does."""
    if not remote_address:
        return True
    try:
        address = ipaddress.ip_address(address_alone(remote_address))
    except ValueError:
        return False
    return any(address in network for network in networks)
