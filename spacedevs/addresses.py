"""The client's address, as the throttle counts it and the request log names it."""

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
