"""gzip bodies around a part deflated once: a page's documents, held compressed.

A page's documents are the same bytes in every response that shows them, whatever else differs: the URL (its
parameters' order, a client's cache-buster), the data version (a write elsewhere makes every cached response
unreachable, the pages it left alone among them), the envelope (`count`, `next`, `previous`). Deflating
them is most of what gzip costs a page: 0.7 ms of CPU for 100 detailed documents (570 KB), a sixth of the
whole uncached page.

A response that names the part of its body a key determines (`KnownPart`) is one gzip member whose deflate
stream is three: the bytes before the part, the part, the bytes after, each deflated from an empty window
and ended on a byte boundary (a sync flush; the last one finishes the stream). No back-reference crosses
from one into the next, so the part's deflated bytes are the same in every response: they are held
(`parts_held`, COMPRESSED_PARTS_BYTES per process, the least recently used going first) under the key, the
level, and the part's length and CRC-32 (a second check: a key naming other bytes than its part's would
give a wrong body only if their CRC-32 matched too). The trailer's CRC-32, the whole body's, is the part's
combined with those of the bytes around it: the part is read once (ISA-L's CRC-32: 14 µs for 570 KB). A
body is the same bytes whether its part was held or not, and some 40 bytes larger than deflated in one
piece (at ISA-L's level 0, some 250).
"""

import struct
from dataclasses import dataclass

from django.conf import settings
from isal import igzip, isal_zlib

from .held_bytes import HeldBytes

# RFC 1952: the magic bytes, deflate, no flags, no modification time, no extra flags, no operating system
# named: what igzip.compress(mtime=0) writes.
HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# Parts smaller than this are deflated with their response (a few microseconds), not held.
MIN_PART_BYTES = 4096
# What a held part costs beyond its deflated bytes: its key (a KnownPart's, with the level, length and
# CRC-32), the bytes object and the dictionary's links: 354 bytes measured with tracemalloc for a page's key.
ENTRY_OVERHEAD = 400


@dataclass(frozen=True)
class KnownPart:
    """`length` bytes of a response's body, ending `after` bytes before its end, determined by `key`
    (hashable, and small: it is held with the part): equal keys, equal bytes."""

    key: object
    length: int
    after: int


def compress(body, level, part=None):
    """`body` as a gzip member, deflated at ISA-L's `level`; `part` (a KnownPart, or None) held deflated."""
    if part is None or part.length < MIN_PART_BYTES or part.length + part.after > len(body):
        return igzip.compress(body, compresslevel=level, mtime=0)
    stop = len(body) - part.after
    start = stop - part.length
    view = memoryview(body)
    part_crc = isal_zlib.crc32(view[start:stop])
    key = _held_key(part, level, part_crc)
    deflated = parts_held.get_many([key]).get(key)
    if deflated is None:
        deflated = _deflated(view[start:stop], level, isal_zlib.Z_SYNC_FLUSH)
        parts_held.keep(key, deflated)
    # The body's CRC-32 from the part's (its bytes not read again): the bytes before, the part, after.
    crc = isal_zlib.crc32_combine(isal_zlib.crc32(view[:start]), part_crc, part.length)
    trailer = struct.pack("<II", isal_zlib.crc32(view[stop:], crc), len(body) & 0xFFFFFFFF)
    return b"".join(
        (
            HEADER,
            _deflated(view[:start], level, isal_zlib.Z_SYNC_FLUSH),
            deflated,
            _deflated(view[stop:], level, isal_zlib.Z_FINISH),
            trailer,
        )
    )


def _held_key(part, level, crc):
    """What the deflated `part` (a KnownPart, whose bytes' CRC-32 is `crc`) is held under at `level`: its key,
    the level, and its length and CRC-32, the second check of its key."""
    return (part.key, level, part.length, crc)


def _deflated(data, level, flush):
    """`data` as raw deflate blocks from an empty window, ended by `flush`."""
    compressor = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(flush)


parts_held = HeldBytes(settings.COMPRESSED_PARTS_BYTES, ENTRY_OVERHEAD)
