"""Content codings: the one a request accepts (`Accept-Encoding`, RFC 9110 §12.5.3), and a response's body
in it, compressed once for every client that asks alike (the response cache keeps the compressed bytes)."""

import brotli
from django.conf import settings
from django.utils.cache import patch_vary_headers

from . import gzip_parts

# The request headers a response's body depends on, besides its URL.
VARY = ("Accept", "Accept-Encoding")

# Bodies below this size are not worth a compression header.
MIN_COMPRESSED_SIZE = 200

# The compressions offered, preferred first when a client accepts several equally. Both are deterministic
# (gzip without a timestamp), so every worker compresses a body to the same bytes. gzip is ISA-L's: five
# times as fast as zlib's at the same size (a miss waits for it). Each takes the body and the part of it the
# view named (a gzip_parts.KnownPart on the response, or None), which gzip deflates once for every response
# that shows it.
COMPRESSORS = {
    "br": lambda body, part: brotli.compress(body, quality=settings.BROTLI_QUALITY),
    "gzip": lambda body, part: gzip_parts.compress(body, settings.GZIP_LEVEL, part),
}

# Content codings a client may name by another name (RFC 9110 §8.4.1.3: x-gzip is gzip).
CODING_ALIASES = {"x-gzip": "gzip"}


def accepted_codings(header):
    """{content coding: quality} from an Accept-Encoding header."""
    qualities = {}
    for item in header.split(","):
        name, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                quality = quality_value(value.strip())
        if name:
            qualities[name.lower()] = quality
    for alias, coding in CODING_ALIASES.items():
        if alias in qualities:  # a coding named by its own name too is weighed by that
            qualities.setdefault(coding, qualities.pop(alias))
    return qualities


def quality_value(text):
    """A weight (RFC 9110 §12.4.2: 0 to 1), or 0, which refuses, for a text that is not one (unreadable,
    NaN, out of range)."""
    try:
        value = float(text)
    except ValueError:
        return 0.0
    return value if 0.0 <= value <= 1.0 else 0.0


def negotiated_coding(request):
    """The compression to answer `request` with (the one it prefers, by quality), or None: none accepted, or
    the body as it is preferred to all (`identity`, or `*`, weighs more; RFC 9110 §12.5.3)."""
    return preferred_coding(request.META.get("HTTP_ACCEPT_ENCODING", ""), COMPRESSORS)


def preferred_coding(accept_encoding, offered):
    """The coding among `offered` (the first of those weighed alike) that an `Accept-Encoding` header
    prefers, or None: none accepted, or the body as it is preferred to all."""
    qualities = accepted_codings(accept_encoding)
    wildcard = qualities.get("*", 0.0)
    best = max(offered, key=lambda coding: qualities.get(coding, wildcard), default=None)
    quality = qualities.get(best, wildcard)
    return best if quality > 0 and quality >= qualities.get("identity", wildcard) else None


def encode(request, response):
    """`response` in the coding the request prefers (negotiated_coding), when worth it. Shared or not, the
    body is the one the client's Accept and Accept-Encoding chose: both go in `Vary`."""
    patch_vary_headers(response, VARY)
    coding = negotiated_coding(request)
    if (
        coding is None
        or len(response.content) < MIN_COMPRESSED_SIZE
        or response.has_header("Content-Encoding")
    ):
        return
    response.content = COMPRESSORS[coding](response.content, getattr(response, "known_part", None))
    response.headers["Content-Encoding"] = coding
