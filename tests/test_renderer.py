import collections
import dataclasses
import datetime
import decimal
import enum
import ipaddress
import json
import types
import uuid

import pytest
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils import json as drf_json
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from spacedevs.api.renderers import FastJSONRenderer

UTC = datetime.UTC
PLUS_0530 = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Colour(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    HIGH = 3


class Array:
    """Stands for a numpy array: DRF's encoder calls tolist()."""

    def tolist(self):
        return [1, 2.5]


def moved_to_end():
    ordered = collections.OrderedDict(a=1, b=2)
    ordered.move_to_end("a")
    return ordered


def nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def circular():
    value = []
    value.append(value)
    return value


# Factories, so that generators are fresh for each renderer.
SAME_BYTES = {
    "utc-datetime": lambda: datetime.datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
    "offset-datetime": lambda: datetime.datetime(2024, 5, 1, 12, 30, tzinfo=PLUS_0530),
    "naive-datetime": lambda: datetime.datetime(2024, 5, 1, 12, 30, 15),
    "datetime-microseconds": lambda: datetime.datetime(2024, 5, 1, 12, 30, 15, 120, tzinfo=UTC),
    "date": lambda: datetime.date(2024, 5, 1),
    "naive-time": lambda: datetime.time(12, 30),
    "time-microseconds": lambda: datetime.time(12, 30, 15, 500000),
    "timedelta": lambda: datetime.timedelta(days=1, hours=2),
    "negative-timedelta": lambda: datetime.timedelta(seconds=-90),
    "timedelta-microseconds": lambda: datetime.timedelta(seconds=3, microseconds=25),
    "decimal": lambda: decimal.Decimal("1.10"),
    "decimal-exponent": lambda: decimal.Decimal("1E+16"),
    "decimal-small": lambda: decimal.Decimal("0.0000001"),
    "uuid": lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "ipv4": lambda: ipaddress.IPv4Address("192.0.2.1"),
    "ipv6": lambda: ipaddress.IPv6Address("2001:db8::1"),
    "ipv4-network": lambda: ipaddress.IPv4Network("192.0.2.0/24"),
    "set": lambda: {"one"},
    "frozenset": lambda: frozenset({1}),
    "generator": lambda: (n * 2 for n in range(3)),
    "generator-then-big-int": lambda: {"doubled": (n * 2 for n in range(3)), "big": 2**70},
    "bytes": lambda: b"caf\xc3\xa9",
    "lazy-string": lambda: {"detail": gettext_lazy("Not found.")},
    "safe-string": lambda: mark_safe("<b>bold</b>"),
    "tolist": lambda: Array(),
    "mapping-proxy": lambda: types.MappingProxyType({"a": 1}),
    "return-dict-and-list": lambda: ReturnDict(
        {"results": ReturnList([ReturnDict({"id": 1, "tags": []}, serializer=None)], serializer=None)},
        serializer=None,
    ),
    "ordered-dict-moved": moved_to_end,
    "int-enum": lambda: [Level.HIGH],
    "float-0.1": lambda: 0.1,
    "float-1e16": lambda: 1e16,
    "float-1e-7": lambda: [1e-7],
    "float-1e-5": lambda: {"x": 1e-5},
    "float-negative-zero": lambda: -0.0,
    "float-123456789.123": lambda: 123456789.123,
    "int-max-u64": lambda: 2**64 - 1,
    "int-beyond-u64": lambda: {"big": 2**64},
    "int-below-i64": lambda: [-(2**63) - 1],
    "line-separator": lambda: "a\u2028b",
    "paragraph-separator": lambda: {"k\u2029": "\u2029"},
    # Other characters whose UTF-8 starts as theirs does (E2), before one of them or none: looked at one by
    # one up to renderers._LEAD_BYTES_CHECKED, past that by the regex.
    "line-separator-after-quotes": lambda: ["\u2019\u20ac" * 10, "\u2028"],
    "line-separator-right-after-a-quote": lambda: "\u2019\u2028",
    "line-separator-first-past-the-bound": lambda: ["\u2019" * 256, "\u2028"],
    "line-separator-after-many-quotes": lambda: ["\u2019" * 300, "a\u2028"],
    "paragraph-separator-among-many-quotes": lambda: {"a": "\u2019" * 255, "b": "\u2029\u2019"},
    "quotes-alone": lambda: ["\u2019\u2014" * 200],
    "non-ascii-and-emoji": lambda: {"name": "Ariane\u2019s café 🚀", "ctrl": '\x00\x1f\x7f"\\/\n'},
    "int-key": lambda: {1: "a"},
    "bool-key": lambda: {True: "a", False: "b"},
    "none-key": lambda: {None: "a"},
    "float-key": lambda: {1.5: "a", 1e-7: "b"},
    "deep-nesting": lambda: nested(300),
}

REFUSED = {
    "nan": lambda: [float("nan")],
    "infinity": lambda: {"x": float("-inf")},
    "decimal-nan": lambda: decimal.Decimal("NaN"),
    "aware-time": lambda: datetime.time(12, 30, tzinfo=UTC),
    "object": lambda: object(),
    "dataclass": lambda: Point(1, 2),
    "enum": lambda: Colour.RED,
    "datetime-key": lambda: {datetime.date(2024, 5, 1): "a"},
    "lone-surrogate": lambda: "\ud800",
    "circular": circular,
}


@pytest.mark.usefixtures("seeded", "live_rendering")
@pytest.mark.parametrize("mode", ["list", "normal", "detailed"])
def test_same_bytes_as_drf(client, mode):
    response = client.get(f"/2.3.0/events/?mode={mode}&format=json")
    assert response.content == JSONRenderer().render(response.data)
    assert "\u2019".encode() in response.content


@pytest.mark.usefixtures("seeded")
def test_indent_is_honoured(client):
    response = client.get("/2.3.0/events/352/", HTTP_ACCEPT="application/json; indent=4")
    assert response.content.startswith(b'{\n    "id": 352,')
    assert json.loads(response.content)["id"] == 352


@pytest.mark.parametrize(
    ("media_type", "context"),
    [("application/json; indent=4", None), ("application/json; indent=0", None), (None, {"indent": 0})],
    ids=["indent-4", "indent-0-media-type", "indent-0-context"],
)
def test_indent_as_drf_does(media_type, context):
    data = {"id": 1, "tags": [{"name": "caf\u00e9"}]}
    assert FastJSONRenderer().render(data, media_type, context) == JSONRenderer().render(
        data, media_type, context
    )


def test_lazy_error_messages_render():
    assert FastJSONRenderer().render({"detail": gettext_lazy("Not found.")}) == b'{"detail":"Not found."}'


@pytest.mark.parametrize("make", SAME_BYTES.values(), ids=SAME_BYTES.keys())
def test_value_renders_as_drf_does(make):
    assert FastJSONRenderer().render(make()) == JSONRenderer().render(make())


@pytest.mark.parametrize("make", REFUSED.values(), ids=REFUSED.keys())
def test_value_refused_as_drf_does(make):
    with pytest.raises(Exception) as drf:
        JSONRenderer().render(make())
    with pytest.raises(Exception) as fast:
        FastJSONRenderer().render(make())
    assert (type(fast.value), str(fast.value)) == (type(drf.value), str(drf.value))


def test_plain_page_skips_drf(monkeypatch):
    def drf_dumps(*args, **kwargs):
        raise AssertionError("DRF's encoder was used")

    page = ReturnDict(
        {
            "count": 100,
            "next": None,
            "results": ReturnList(
                [
                    {
                        "id": n,
                        "name": f"Event {n} \u2013 café",
                        "webcast_live": n % 2 == 0,
                        "tags": [{"id": n}],
                    }
                    for n in range(100)
                ],
                serializer=None,
            ),
        },
        serializer=None,
    )
    expected = JSONRenderer().render(page)
    monkeypatch.setattr(drf_json, "dumps", drf_dumps)
    assert FastJSONRenderer().render(page) == expected


# Data with no float, enum member or dict subclass with its own items(): what render_plain is given (the
# compiled serializers' output is such data: compiled.py).
PLAIN = [
    "utc-datetime",
    "offset-datetime",
    "date",
    "decimal",
    "uuid",
    "lazy-string",
    "return-dict-and-list",
    "int-max-u64",
    "int-beyond-u64",
    "int-below-i64",
    "line-separator",
    "paragraph-separator",
    "line-separator-after-many-quotes",
    "non-ascii-and-emoji",
    "int-key",
    "deep-nesting",
]


@pytest.mark.parametrize("make", [SAME_BYTES[name] for name in PLAIN], ids=PLAIN)
def test_plain_data_renders_as_drf_does_without_a_look_through_it(make, monkeypatch):
    def looked_through(data):
        raise AssertionError("the data was looked through")

    expected = JSONRenderer().render(make())
    monkeypatch.setattr("spacedevs.api.renderers._unlike_json", looked_through)
    assert FastJSONRenderer().render_plain(make()) == expected


def test_plain_data_in_a_spaced_out_renderer_renders_as_drf_does():
    class SpacedOut(FastJSONRenderer):
        compact = False

    class DRFSpacedOut(JSONRenderer):
        compact = False

    data = {"a": [1, {"b": "\u2028"}]}
    assert SpacedOut().render_plain(data) == DRFSpacedOut().render(data) == b'{"a": [1, {"b": "\\u2028"}]}'
