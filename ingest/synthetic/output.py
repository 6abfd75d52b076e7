"""Streaming JSON writer for generated events."""

import json
from collections.abc import Iterable
from typing import Any, BinaryIO


def write_json(events: Iterable[dict[str, Any]], count: int, output_format: str, stream: BinaryIO) -> None:
    """Stream events as UTF-8 JSON (one compact event per line) as a list or a pagination page."""
    encoder = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":"))
    if output_format == "page":
        head, tail = f'{{"count":{count},"next":null,"previous":null,"results":[', "]}\n"
    else:
        head, tail = "[", "]\n"
    stream.write(head.encode())
    separator = "\n"
    for event in events:
        stream.write((separator + encoder.encode(event)).encode())
        separator = ",\n"
    stream.write((tail if separator == "\n" else "\n" + tail).encode())
