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
give a wrong body only if their CRC-32 matched too). The trailer's CRC-32 is computed over the whole body
(ISA-L's: 14 µs for 570 KB). A body is the same bytes whether its part was held or not, and some 40 bytes
larger than deflated in one piece (at ISA-L's level 0, some 250).
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
    key = (part.key, level, part.length, _checksum(view[start:stop]))
    deflated = parts_held.get_many([key]).get(key)
    if deflated is None:
        deflated = _deflated(view[start:stop], level, isal_zlib.Z_SYNC_FLUSH)
        parts_held.keep(key, deflated)
    trailer = struct.pack("<II", isal_zlib.crc32(body), len(body) & 0xFFFFFFFF)
    return b"".join(
        (
            HEADER,
            _deflated(view[:start], level, isal_zlib.Z_SYNC_FLUSH),
            deflated,
            _deflated(view[stop:], level, isal_zlib.Z_FINISH),
            trailer,
        )
    )


def _checksum(part):
    """The CRC-32 of a part's bytes: the second check of its key."""
    return isal_zlib.crc32(part)


def _deflated(data, level, flush):
    """`data` as raw deflate blocks from an empty window, ended by `flush`."""
    compressor = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(flush)


parts_held = HeldBytes(settings.COMPRESSED_PARTS_BYTES, ENTRY_OVERHEAD)
