import datetime
import decimal
import ipaddress
import re
import uuid
from enum import Enum

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# A calendar feed's (events/calendar.py): a view with a renderer of it offers `?format=ics`.
CALENDAR_MEDIA_TYPE = "text/calendar"


def renders_calendars(view):
    """Whether `view` (a view or its class) renders calendar feeds."""
    return any(renderer.media_type == CALENDAR_MEDIA_TYPE for renderer in view.renderer_classes)


# What DRF's encoder turns into a string or a number. The rest of what reaches `default` (sets, generators,
# QuerySets, mappings, dataclasses…) sends the document to DRF untouched: a generator consumed here could
# not be rendered a second time after a fallback.
_SCALARS = (
    Promise,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    decimal.Decimal,
    uuid.UUID,
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
    bytes,
)
# allow_nan=False whatever STRICT_JSON says: a NaN Decimal raises here, and DRF then decides.
_drf_encoder = JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))

_PLAIN = frozenset({str, int, bool, type(None)})
# orjson renders these natively, unlike json.dumps: floats below 1e-4 as `1e-7` or `0.00001` (json: `1e-07`,
# `1e-05`), NaN and infinities as null (DRF refuses them), enum members by value (json: by their str/int/float
# base, or not at all). An orjson.Fragment goes in raw: only stored documents (spacedevs/api/stored.py),
# rendered by this renderer beforehand, are given to it as Fragments.
_UNLIKE_JSON = (float, Enum)

# U+2028 and U+2029 in UTF-8.
_JS_LINE_BREAKS = re.compile(b"\xe2\x80[\xa8\xa9]")
_JS_LINE_BREAK_BYTES = ("\u2028".encode(), "\u2029".encode())
# Lead bytes looked at one by one before the regex takes over (see _has_js_line_break).
_LEAD_BYTES_CHECKED = 256


def _has_js_line_break(content):
    """Whether `content` holds U+2028 or U+2029. Both start with the byte E2, which JSON text seldom holds
    (LL2's text about once in 5 KB, for a typographic quote or dash): finding each E2 is a memchr, many
    times faster than the regex over a page of half a megabyte. Past _LEAD_BYTES_CHECKED of them, the
    regex looks at the rest."""
    start = content.find(b"\xe2")
    for _ in range(_LEAD_BYTES_CHECKED):
        if start < 0:
            return False
        if content.startswith(_JS_LINE_BREAK_BYTES, start):
            return True
        start = content.find(b"\xe2", start + 1)
    return start >= 0 and _JS_LINE_BREAKS.search(content, start) is not None


def _default(value):
    if isinstance(value, _SCALARS):
        return orjson.Fragment(_drf_encoder.encode(value))
    raise TypeError(f"{type(value).__name__} is left to DRF")


def _unlike_json(data):
    """Whether orjson would render some value in `data` other than json.dumps does.

    No orjson option hands floats to `default`, and a NaN's null cannot be told from None's in the output,
    so the only exact test is a look at every value. It runs once orjson has succeeded: the data is then
    acyclic and within orjson's nesting limit, and this walk visits exactly the containers orjson did.
    """
    pending = [[data]]
    while pending:
        container = pending.pop()
        for value in container.values() if isinstance(container, dict) else container:
            if type(value) in _PLAIN:
                continue
            if isinstance(value, dict):
                # json.dumps follows a dict subclass's items() (an OrderedDict's order), orjson the storage.
                if type(value).items is not dict.items:
                    return True
                pending.append(value)
            elif isinstance(value, list) or type(value) is tuple:
                pending.append(value)
            elif isinstance(value, _UNLIKE_JSON):
                return True
    return False


def _by_orjson(data, looked_through):
    """`data` as DRF's compact JSON, by orjson, or None where DRF must render it: orjson refused it (integers
    beyond 64 bits, non-string keys, lone surrogates, nesting beyond orjson's limit or cycles, whatever
    `_default` refused), or, `looked_through`, some value in it is one orjson renders otherwise."""
    try:
        content = orjson.dumps(data, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return None
    if looked_through and _unlike_json(data):
        return None
    if _has_js_line_break(content):
        # DRF escapes them so that the JSON is also valid JavaScript.
        content = content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return content


class FastJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer, encoding with orjson where that gives the same bytes.

    Every document renders to exactly the bytes DRF's JSONRenderer would give, or raises the exception DRF
    would raise. Plain data (dicts, lists, str, int, bool, None, DRF's ReturnDict/ReturnList), and values
    DRF's encoder turns into strings (dates and times, lazy strings, UUIDs…) or numbers (Decimal), take
    orjson's path. DRF itself renders indented, non-compact or ASCII-only output, and any document that holds
    a float, an enum member, a dict subclass with its own items() (OrderedDict), an integer beyond 64 bits, a
    non-string key, or a value DRF's encoder turns into a list or a dict (sets, generators, QuerySets…).
    Stored documents, given as orjson.Fragment on the compact path only, go in as they are.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.renders_compact(accepted_media_type, renderer_context):
            content = _by_orjson(data, looked_through=True)
            if content is not None:
                return content
        return super().render(data, accepted_media_type, renderer_context)

    def render_plain(self, data):
        """What `render(data)` gives, for data known to hold nothing that orjson renders otherwise than
        json.dumps (no float, enum member or dict subclass: the compiled serializers' output, compiled.py),
        without looking through it for such values."""
        if data is not None and self.renders_compact(None, None):
            content = _by_orjson(data, looked_through=False)
            if content is not None:
                return content
        return super().render(data)

    def renders_compact(self, accepted_media_type, renderer_context):
        """Whether this request's output is compact UTF-8, orjson's (else DRF renders it)."""
        return (
            not self.ensure_ascii
            and self.compact
            # `is not None`: DRF indents for an `indent` of 0 in the renderer context too.
            and self.get_indent(accepted_media_type or "", renderer_context or {}) is None
        )
