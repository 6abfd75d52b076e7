"""gzip bodies around a part deflated once (spacedevs/gzip_parts.py): a page's documents are compressed once
for every response that shows them, and every body decodes to its own bytes."""

import copy
import gzip
import random
import zlib

import pytest
from django.conf import settings
from isal import igzip

from ingest.records import ingest_records
from spacedevs import gzip_parts
from spacedevs.gzip_parts import ENTRY_OVERHEAD, MIN_PART_BYTES, KnownPart, compress, parts_held
from spacedevs.held_bytes import HeldBytes

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip"}
PART = random.Random(9).randbytes(10240)  # that deflate cannot shorten: a wrong splice shows


@pytest.fixture
def deflated(monkeypatch):
    """The lengths of the data gzip_parts deflates, in order."""
    lengths, deflate = [], gzip_parts._deflated

    def counted(data, *args):
        lengths.append(len(data))
        return deflate(data, *args)

    monkeypatch.setattr(gzip_parts, "_deflated", counted)
    return lengths


def decoded(body):
    """`body` decoded by Python's gzip and by zlib as HTTP clients call it (one gzip member)."""
    by_gzip = gzip.decompress(body)
    assert zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(body) == by_gzip
    return by_gzip


@pytest.mark.parametrize(
    ("before", "after"), [(b"", b""), (b'{"count":1,"results":', b"}"), (b"x" * 5000, b"")]
)
@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_a_body_with_a_part_decodes_to_itself(before, after, level, deflated):
    body = before + PART + after
    first = compress(body, level, KnownPart("page", len(PART), len(after)))
    again = compress(body, level, KnownPart("page", len(PART), len(after)))
    assert decoded(first) == body
    assert again == first  # the same bytes, the part held or not
    assert deflated == [len(PART), len(before), len(after), len(before), len(after)]  # the part once


def test_the_same_part_in_another_body_is_not_deflated_again(deflated):
    first = b'{"count":2,"next":null,"results":' + PART + b"}"
    second = b'{"count":3,"next":"http://testserver/2.3.0/events/?limit=1&offset=1","results":' + PART + b"}"
    for body in (first, second):
        assert decoded(compress(body, 2, KnownPart(("variant", ("digest",)), len(PART), 1))) == body
    assert deflated.count(len(PART)) == 1


def test_a_key_naming_other_bytes_costs_a_compression_not_a_wrong_body(deflated):
    for part in (PART, PART[::-1]):
        body = b"[" + part + b"]"
        assert decoded(compress(body, 2, KnownPart("same key", len(part), 1))) == body
    assert deflated.count(len(PART)) == 2


@pytest.mark.parametrize(
    ("body", "part"),
    [
        (PART, None),
        (PART[: MIN_PART_BYTES - 1], KnownPart("small", MIN_PART_BYTES - 1, 0)),  # not worth holding
        (PART, KnownPart("past the start", len(PART) + 1, 0)),  # a part the body cannot hold
    ],
    ids=["no part", "small", "past the start"],
)
def test_other_bodies_are_deflated_whole(body, part):
    assert compress(body, 2, part) == igzip.compress(body, compresslevel=2, mtime=0)
    assert parts_held.size == 0


def test_a_part_held_at_one_level_is_deflated_again_at_another(deflated):
    body = b"[" + PART + b"]"
    bodies = [compress(body, level, KnownPart("same key", len(PART), 1)) for level in (1, 3)]
    assert deflated.count(len(PART)) == 2
    parts_held.clear()
    assert compress(body, 3, KnownPart("same key", len(PART), 1)) == bodies[1]  # as if deflated anew
    assert decoded(bodies[1]) == body


def test_a_part_of_the_fewest_bytes_worth_holding_is_held(deflated):
    body = PART[:MIN_PART_BYTES]
    assert decoded(compress(body, 2, KnownPart("least", MIN_PART_BYTES, 0))) == body
    assert deflated == [MIN_PART_BYTES, 0, 0]  # the part, then the empty bytes before and after it
    assert parts_held.size > ENTRY_OVERHEAD


def test_held_parts_stay_within_their_bytes(monkeypatch, deflated):
    held = HeldBytes(max_bytes=ENTRY_OVERHEAD + 3 * len(PART) // 2, entry_overhead=ENTRY_OVERHEAD)
    monkeypatch.setattr(gzip_parts, "parts_held", held)
    for key in ("first", "second", "first"):  # room for one: the second pushes the first out
        assert decoded(compress(PART, 2, KnownPart(key, len(PART), 0))) == PART
        assert 0 < held.size <= held.max_bytes
    assert deflated.count(len(PART)) == 3
    monkeypatch.setattr(gzip_parts, "parts_held", HeldBytes(max_bytes=0, entry_overhead=ENTRY_OVERHEAD))
    assert decoded(compress(PART, 2, KnownPart("first", len(PART), 0))) == PART  # COMPRESSED_PARTS_BYTES=0
    assert gzip_parts.parts_held.size == 0


@pytest.fixture
def keyed_alone(monkeypatch):
    """Parts told apart by their KnownPart's key alone, not by their bytes' CRC-32 as well."""
    monkeypatch.setattr(gzip_parts, "_held_key", lambda part, level, crc: (part.key, level, part.length))


@pytest.mark.usefixtures("keyed_alone")
@pytest.mark.parametrize("mode", ["list", "normal", "detailed"])
def test_pages_of_the_same_documents_share_their_part(client, generated, mode, deflated):
    """Uncached pages (each URL new) showing the same documents, spliced alike, deflate them once; spliced
    otherwise (another host, `format=json` in every link), or once one of them is written again, anew. The
    key alone tells the parts apart here, and the hosts and the new name are as long as the old: a key that
    left out the splice or a document would give a wrong body."""
    page = f"/2.3.0/events/?mode={mode}&limit=100"
    requests = [
        (f"{page}&a", "localhost"),
        (f"{page}&b", "localhost"),
        (f"{page}&c", "127.0.0.1"),
        (f"{page}&format=json", "localhost"),
        (f"{page}&format=json&d", "localhost"),
    ]
    bodies = {}
    for url, host in requests:
        response = client.get(url, HTTP_HOST=host, **GZIP)
        assert response["Content-Encoding"] == "gzip"
        bodies[url] = decoded(response.content)
        assert bodies[url] == client.get(url, HTTP_HOST=host).content, url
        # As small as the body deflated whole, within the two flushes' bytes.
        whole = igzip.compress(bodies[url], compresslevel=settings.GZIP_LEVEL, mtime=0)
        assert len(response.content) <= len(whole) + 64
        assert client.head(url, HTTP_HOST=host, **GZIP)["Content-Length"] == str(len(response.content))
    assert len([length for length in deflated if length >= MIN_PART_BYTES]) == 3  # once per splice
    assert bodies[f"{page}&a"] != bodies[f"{page}&b"]  # the envelope's links name each URL

    first = client.get(f"{page}&format=json", HTTP_HOST="localhost").json()["results"][0]
    record = copy.deepcopy(next(event for event in generated if event["id"] == first["id"]))
    renamed = record["name"].swapcase()
    assert renamed != record["name"] and len(renamed.encode()) == len(record["name"].encode())
    ingest_records([record | {"name": renamed}], source="edit")
    response = client.get(f"{page}&e", HTTP_HOST="localhost", **GZIP)
    assert decoded(response.content) == client.get(f"{page}&e", HTTP_HOST="localhost").content
    assert f'"name":"{renamed}"'.encode() in decoded(response.content)
    assert len([length for length in deflated if length >= MIN_PART_BYTES]) == 4


@pytest.mark.usefixtures("keyed_alone")
def test_a_page_read_from_the_other_end_names_its_own_part(client, generated):
    count = client.get("/2.3.0/events/?mode=list&format=json").json()["count"]
    # Past the middle, a page is read reversed, and turned round: its documents' key with it.
    for number, offset in enumerate((0, count - 100, count - 150, count - 100)):
        url = f"/2.3.0/events/?mode=normal&limit=100&offset={offset}&n={number}"
        assert decoded(client.get(url, **GZIP).content) == client.get(url).content, offset
