"""Static files and their compressed copies, each its own representation (spacedevs/static_files.py)."""

import gzip

import brotli
import pytest
from django.test import Client

from spacedevs.byte_ranges import UnsatisfiableRange, requested_span

TEXT = b"body { margin: 0 }\n" * 200
PATH = "/static/site.css"
PLAIN_PATH = "/static/plain.txt"  # a file without compressed copies


@pytest.fixture
def static(settings, tmp_path):
    """A client of a server whose static root holds one file with its gzip and Brotli copies, as
    collectstatic leaves it."""
    (tmp_path / "site.css").write_bytes(TEXT)
    (tmp_path / "site.css.gz").write_bytes(gzip.compress(TEXT, mtime=0))
    (tmp_path / "site.css.br").write_bytes(brotli.compress(TEXT))
    (tmp_path / "plain.txt").write_bytes(TEXT)
    (tmp_path / "index.html").write_bytes(b"<p>index</p>")
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    return Client()


def body_of(response):
    decode = {"gzip": gzip.decompress, "br": brotli.decompress, None: bytes}[response.get("Content-Encoding")]
    return decode(b"".join(response.streaming_content))


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [
        ("", None),
        ("gzip", "gzip"),
        ("gzip, br", "br"),  # the smaller copy, weighed alike
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0, br;q=0", None),  # WhiteNoise sent Brotli for any mention
        ("gzip;q=0", None),
        ("*", "br"),
        ("*;q=0.5, identity", None),
        ("x-gzip", "gzip"),
    ],
)
def test_the_copy_is_chosen_by_accept_encodings_q_values(static, accept_encoding, coding):
    response = static.get(PATH, HTTP_ACCEPT_ENCODING=accept_encoding)
    assert (response.status_code, response.get("Content-Encoding")) == (200, coding)
    assert response["Vary"] == "Accept-Encoding"
    assert body_of(response) == TEXT


def test_each_copy_has_an_etag_of_its_own_and_a_304_of_its_own(static):
    tags = {}
    for coding in ("identity", "gzip", "br"):
        response = static.get(PATH, HTTP_ACCEPT_ENCODING=coding)
        tags[coding] = response["ETag"]
        again = static.get(
            PATH, HTTP_ACCEPT_ENCODING=coding, HTTP_IF_NONE_MATCH=f'"other", {response["ETag"]}'
        )
        assert (again.status_code, again["ETag"], again["Vary"]) == (304, response["ETag"], "Accept-Encoding")
        assert again["Cache-Control"] == response["Cache-Control"]
    assert tags["gzip"] == tags["identity"][:-1] + '-gzip"'
    assert tags["br"] == tags["identity"][:-1] + '-br"'
    # Another copy's tag is no match: the client gets the bytes it can decode.
    response = static.get(PATH, HTTP_ACCEPT_ENCODING="identity", HTTP_IF_NONE_MATCH=tags["br"])
    assert (response.status_code, body_of(response)) == (200, TEXT)


def test_preconditions_are_the_apis(static):
    current = static.get(PATH)["ETag"]
    assert static.get(PATH, HTTP_IF_NONE_MATCH=f"W/{current}").status_code == 304  # weak comparison
    assert static.get(PATH, HTTP_IF_NONE_MATCH="*").status_code == 304
    assert static.get(PATH, HTTP_IF_MATCH=current).status_code == 200
    refused = static.get(PATH, HTTP_IF_MATCH='"elsewhere"')
    assert (refused.status_code, refused.json()) == (
        412,
        {"detail": "The If-Match precondition does not hold."},
    )
    refused = static.get(
        PATH, HTTP_IF_UNMODIFIED_SINCE="Thu, 01 Jan 1970 00:00:01 GMT", HTTP_ACCEPT_ENCODING="gzip"
    )
    # One copy's precondition: a cache must not answer another client's encoding with it.
    assert (refused.status_code, refused["Vary"]) == (412, "Accept-Encoding")
    modified = static.get(PATH)["Last-Modified"]
    assert static.get(PATH, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304


def test_a_range_holds_only_for_the_representation_if_range_names(static):
    response = static.get(PATH, HTTP_RANGE="bytes=0-3", HTTP_ACCEPT_ENCODING="gzip")
    gzip_tag = response["ETag"]
    assert (response.status_code, b"".join(response.streaming_content)) == (
        206,
        gzip.compress(TEXT, mtime=0)[:4],
    )
    same = static.get(PATH, HTTP_RANGE="bytes=0-3", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_RANGE=gzip_tag)
    assert same.status_code == 206
    # The identity copy's range asked with the gzip copy's tag: the whole identity copy.
    other = static.get(PATH, HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE=gzip_tag)
    assert (other.status_code, body_of(other)) == (200, TEXT)
    # Every copy shares the file's Last-Modified, so a date names none of them (RFC 9110 §13.1.5).
    modified = static.get(PATH)["Last-Modified"]
    dated = static.get(PATH, HTTP_RANGE="bytes=0-3", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_RANGE=modified)
    assert (dated.status_code, body_of(dated)) == (200, TEXT)


def test_a_date_in_if_range_holds_for_a_file_without_copies(static):
    modified = static.get(PLAIN_PATH)["Last-Modified"]
    response = static.get(PLAIN_PATH, HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE=modified)
    assert (response.status_code, b"".join(response.streaming_content)) == (206, TEXT[:4])
    stale = static.get(PLAIN_PATH, HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE="Thu, 01 Jan 1970 00:00:01 GMT")
    assert (stale.status_code, body_of(stale)) == (200, TEXT)


SIZE = len(TEXT)


@pytest.mark.parametrize(
    ("range_header", "span"),
    [
        ("bytes=0-3", (0, 3)),
        ("bytes=0-0", (0, 0)),  # one byte: WhiteNoise's 416
        ("bytes=5-5", (5, 5)),
        ("bytes=-1", (SIZE - 1, SIZE - 1)),
        ("bytes=-10", (SIZE - 10, SIZE - 1)),
        (f"bytes=-{SIZE + 5}", (0, SIZE - 1)),
        (f"bytes={SIZE - 1}-", (SIZE - 1, SIZE - 1)),
        (f"bytes=10-{SIZE * 9}", (10, SIZE - 1)),
        ("BYTES=2-4", (2, 4)),  # the unit's name is case-insensitive
        (" bytes= 2-4 ", (2, 4)),
    ],
)
def test_a_range_is_read_as_http_defines_it(static, range_header, span):
    response = static.get(PLAIN_PATH, HTTP_RANGE=range_header)
    first, last = span
    assert (response.status_code, response["Content-Range"], response["Content-Length"]) == (
        206,
        f"bytes {first}-{last}/{SIZE}",
        str(last - first + 1),
    )
    assert b"".join(response.streaming_content) == TEXT[first : last + 1]


@pytest.mark.parametrize(
    "range_header",
    [
        "bytes=4-2",  # a last byte before the first: invalid (RFC 9110 §14.1.1)
        "bytes=20000000000000000000-10000000000000000000",  # so, past any file's size
        "bytes=0-3\xa0",  # whitespace that is not HTTP's
        "\x85bytes=0-3",
        "bytes=0-1,4-5",  # several ranges are not served
        "bytes=+1-2",
        "bytes=1_0-20",
        "bytes=1 -2",
        "bytes=--1",
        "bytes=",
        "items=0-3",
        "bytes 0-3",
    ],
)
def test_a_range_not_read_here_is_the_whole_file(static, range_header):
    response = static.get(PLAIN_PATH, HTTP_RANGE=range_header)
    assert (response.status_code, response["Content-Length"]) == (200, str(SIZE))
    assert "Content-Range" not in response
    assert body_of(response) == TEXT


@pytest.mark.parametrize("range_header", [f"bytes={SIZE}-", f"bytes={SIZE}-{SIZE + 9}", "bytes=-0"])
def test_a_range_of_no_bytes_of_the_copy_is_its_own_416(static, range_header):
    for path, accept_encoding, size, vary in (
        (PLAIN_PATH, "gzip", SIZE, None),
        (PATH, "gzip", len(gzip.compress(TEXT, mtime=0)), "Accept-Encoding"),
    ):
        response = static.get(path, HTTP_RANGE=range_header, HTTP_ACCEPT_ENCODING=accept_encoding)
        assert (response.status_code, response["Content-Range"], response.get("Vary")) == (
            416,
            f"bytes */{size}",
            vary,
        )
        assert response.json() == {"detail": "Requested range not satisfiable."}
        # As readable by a page of another origin as the file is.
        assert response["Access-Control-Allow-Origin"] == "*"


def test_a_head_request_ignores_a_range(static):
    # HTTP defines ranges for GET alone, and a server ignores them for other methods (RFC 9110 §14.2).
    for range_header in ("bytes=-1", "bytes=-0", f"bytes={SIZE}-"):
        response = static.head(PLAIN_PATH, HTTP_RANGE=range_header)
        assert (response.status_code, response["Content-Length"]) == (200, str(SIZE))
        assert "Content-Range" not in response


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_copys_range_has_the_copys_fields(static, coding):
    whole = static.get(PATH, HTTP_ACCEPT_ENCODING=coding)
    size = int(whole["Content-Length"])
    response = static.get(PATH, HTTP_ACCEPT_ENCODING=coding, HTTP_RANGE="bytes=-5")
    assert (response.status_code, response["Content-Range"], response["Content-Length"]) == (
        206,
        f"bytes {size - 5}-{size - 1}/{size}",
        "5",
    )
    for name in ("ETag", "Vary", "Content-Encoding", "Content-Type", "Cache-Control", "Last-Modified"):
        assert response[name] == whole[name]
    assert b"".join(response.streaming_content) == b"".join(whole.streaming_content)[-5:]


def test_an_index_files_redirect_is_whitenoises(static, settings):
    settings.WHITENOISE_INDEX_FILE = True
    response = Client().get("/static/index.html", HTTP_IF_NONE_MATCH="*")
    assert (response.status_code, response["Location"]) == (302, "./")
    assert Client().get("/static/").status_code == 200


def test_static_files_answer_whatever_the_host(static):
    for host in ("10.0.0.7", ""):  # one ALLOWED_HOSTS does not name; HTTP/1.1's missing Host
        assert body_of(static.get(PATH, HTTP_HOST=host)) == TEXT


def test_head_and_other_methods_are_as_before(static):
    response = static.head(PATH, HTTP_ACCEPT_ENCODING="br")
    sent = b"".join(response.streaming_content)
    assert (response.status_code, response["Content-Encoding"], sent) == (200, "br", b"")
    response = static.post(PATH)
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD")


def test_an_empty_file_has_no_range_to_give():
    # Its only satisfiable range is a suffix (RFC 9110 §14.1.3), which no 206 can hold: the whole, empty file.
    assert requested_span("bytes=-5", 0) is None
    with pytest.raises(UnsatisfiableRange):
        requested_span("bytes=0-", 0)


def test_under_ssl_redirect_plain_http_reads_the_host_for_its_redirect(static, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = static.get(PATH)
    assert (response.status_code, response["Location"]) == (301, f"https://testserver{PATH}")
    assert static.get(PATH, HTTP_HOST="10.0.0.7").status_code == 400
    assert body_of(static.get(PATH, HTTP_HOST="10.0.0.7", secure=True)) == TEXT


def test_a_position_of_any_length_is_read():
    many = "9" * 5000  # past what Python's int() reads
    assert requested_span(f"bytes=2-{many}", SIZE) == (2, SIZE - 1)
    assert requested_span(f"bytes=-{many}", SIZE) == (0, SIZE - 1)
    assert requested_span(f"bytes={'0' * 5000}7-8", SIZE) == (7, 8)
    with pytest.raises(UnsatisfiableRange):
        requested_span(f"bytes={many}-", SIZE)
