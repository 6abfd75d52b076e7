"""Stored documents held in each process's memory under their digest (spacedevs/api/document_cache.py): a
page reads only the documents the process does not hold, never one that was written again since."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Event, EventDocument
from spacedevs.api import stored_pages
from spacedevs.api.document_cache import ENTRY_OVERHEAD, DocumentCache, documents_held

from .conftest import PAGE_QUERIES, STATE_READS

PAGE = "/2.3.0/events/?mode={mode}&limit=100&format=json"
MODES = ["list", "normal", "detailed"]


def test_the_least_recently_used_go_first_within_the_bytes_allowed():
    cache = DocumentCache(max_bytes=3 * (ENTRY_OVERHEAD + 10))
    for digest in "abc":
        cache.keep(digest, digest.encode() * 10)
    assert cache.get_many(["a"]) == {"a": b"a" * 10}  # now the most recently used
    cache.keep("d", b"d" * 10)
    assert cache.get_many(["a", "b", "c", "d"]) == {"a": b"a" * 10, "c": b"c" * 10, "d": b"d" * 10}
    assert cache.size == 3 * (ENTRY_OVERHEAD + 10)
    cache.keep("a", b"A" * 30)  # kept again, larger: the least recently used make room
    assert cache.get_many(["a", "c", "d"]) == {"a": b"A" * 30, "d": b"d" * 10}
    assert cache.size == 2 * ENTRY_OVERHEAD + 40


def test_a_document_larger_than_the_bytes_allowed_is_not_kept():
    cache = DocumentCache(max_bytes=ENTRY_OVERHEAD + 10)
    cache.keep("a", b"a" * 10)
    cache.keep("b", b"b" * 11)
    assert (cache.get_many(["a", "b"]), cache.size) == ({"a": b"a" * 10}, ENTRY_OVERHEAD + 10)


def test_a_kind_is_expected_held_once_its_last_page_found_half_of_it_held():
    cache = DocumentCache(max_bytes=0)
    cache.saw("pages", held=0, asked=0)  # a page of no documents says nothing
    assert cache.expects_held("pages") is False  # as if no page was seen yet
    cache.saw("pages", held=1, asked=2)
    assert cache.expects_held("pages") is True  # half
    cache.saw("pages", held=0, asked=0)
    assert cache.expects_held("pages") is True
    cache.saw("pages", held=4, asked=9)
    assert cache.expects_held("pages") is False  # fewer than half
    assert cache.expects_held("other pages") is False


@pytest.mark.usefixtures("generated")
def test_each_digest_is_the_sha256_of_its_document():
    for document in EventDocument.objects.all()[:50]:
        for mode in MODES:
            text = getattr(document, mode)
            assert getattr(document, f"{mode}_digest") == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's page statement")
@pytest.mark.parametrize("mode", MODES)
def test_a_page_reads_its_documents_until_the_last_page_found_them_held(client, generated, mode):
    """The first page reads its documents with its ids, and holds them; so does the second (the page before
    it found none held), which finds them all held; the third reads only the ids and digests."""
    pages, read = [], []
    for number in range(3):  # each URL new: the response is computed every time
        with CaptureQueriesContext(connection) as captured:
            pages.append(client.get(PAGE.format(mode=mode) + f"&{number}").json()["results"])
        [statement] = [query["sql"] for query in captured.captured_queries if "unnest" in query["sql"]]
        read.append(f'documents."{mode}",' in statement or f'documents."{mode}" FROM' in statement)
        assert f'documents."{mode}_digest"' in statement
    assert read == [True, True, False]
    assert pages[0] == pages[1] == pages[2]
    assert len(pages[0]) == 100


@pytest.mark.parametrize("mode", MODES)
def test_a_page_of_documents_held_takes_as_many_queries(client, generated, django_assert_num_queries, mode):
    for number in range(2):
        client.get(PAGE.format(mode=mode) + f"&{number}")
    # The data state twice and the page (its count is cached), as when no document was held.
    with django_assert_num_queries(STATE_READS + PAGE_QUERIES):
        assert len(client.get(PAGE.format(mode=mode) + "&again").json()["results"]) == 100


@pytest.mark.usefixtures("seeded")
def test_a_document_written_again_is_read_again(client):
    before = client.get("/2.3.0/events/?mode=detailed&format=json").json()["results"][0]
    rename(352, "Renamed")
    after = client.get("/2.3.0/events/?mode=detailed&format=json").json()["results"][0]
    assert before["name"] != "Renamed"
    assert after == before | {"name": "Renamed"}


@pytest.mark.usefixtures("seeded")
def test_a_process_holding_no_document_reads_each_page_with_its_documents(
    client, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(documents_held, "max_bytes", 0)
    first = client.get("/2.3.0/events/?mode=detailed&format=json").json()
    # The data state twice, the page (its count is cached): the ids with their documents on PostgreSQL.
    with django_assert_num_queries(STATE_READS + (1 if connection.vendor == "postgresql" else 2)):
        again = client.get("/2.3.0/events/?mode=detailed&format=json&again").json()
    assert again == first
    assert first["results"][0]["id"] == 352
    assert documents_held.size == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's page statements")
@pytest.mark.usefixtures("seeded")
def test_a_document_written_between_a_pages_two_statements_is_held_as_written(client, monkeypatch):
    """The page's digests are read, then the document is written again, then the documents are read: what
    is read is held under its own digest, not the one the page named (the response is computed again, from
    the data as it now is)."""
    read, statements = stored_pages.fetch_texts, []
    original = Event.objects.get(pk=352).name

    def renamed_after_the_digests(connection, sql, params):
        rows = read(connection, sql, params)
        statements.append(sql)
        if len(statements) == 1:
            rename(352, "Renamed")
        return rows

    monkeypatch.setattr(documents_held, "expects_held", lambda kind: True)  # read the digests first
    monkeypatch.setattr(stored_pages, "fetch_texts", renamed_after_the_digests)
    assert client.get(PAGE.format(mode="detailed")).json()["results"][0]["name"] == "Renamed"
    monkeypatch.undo()
    rename(352, original)  # its first document again, under its first digest
    assert client.get(PAGE.format(mode="detailed") + "&again").json()["results"][0]["name"] == original


def rename(pk, name):
    event = Event.objects.get(pk=pk)
    event.name = name
    event.save()  # its documents rendered again, and the data's version moved


@pytest.mark.usefixtures("seeded")
def test_documents_are_held_as_each_origin_and_format_is_served(client):
    asked = [
        ({"HTTP_ACCEPT": "application/json"}, "", "http://testserver/2.3.0/events/352/"),
        ({"HTTP_ACCEPT": "application/json", "secure": True}, "", "https://testserver/2.3.0/events/352/"),
        ({}, "&format=json", "http://testserver/2.3.0/events/352/?format=json"),
        ({"HTTP_ACCEPT": "application/json"}, "&again", "http://testserver/2.3.0/events/352/"),
    ]
    for extra, query, url in asked:
        [event] = client.get(f"/2.3.0/events/?mode=list{query}", **extra).json()["results"]
        assert event["url"] == url
