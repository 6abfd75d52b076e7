"""Every filter, search and ordering of the heaviest combinations can use an index: the queries a page
runs, explained on PostgreSQL with sequential scans priced out, scan no table of events whole."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = [
    pytest.mark.usefixtures("generated"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]


def common(generated, key, field="id"):
    """The value of `field` most often found in the events' `key` lists."""
    counts = {}
    for event in generated:
        for item in event[key]:
            counts[item[field]] = counts.get(item[field], 0) + 1
    return max(counts, key=counts.get)


def explained(sql, params, disabled=("enable_seqscan",)):
    """The plan of `sql` with the planner's `disabled` choices priced out."""
    with connection.cursor() as cursor:
        for setting in disabled:
            cursor.execute(f"SET {setting} = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            for setting in disabled:
                cursor.execute(f"RESET {setting}")


def page_queries(client, url):
    """The statements a page runs on the events and their link tables (the data state's aside)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, HTTP_ACCEPT="application/json").status_code == 200
    return [query["sql"] for query in captured if '"events_event"' in query["sql"]]


def test_heavy_combinations_use_indexes(client, generated):
    event = next(event for event in generated if event["id"] == 9001)  # every list filled
    agency, program, launch = (common(generated, key) for key in ("agencies", "program", "launches"))
    urls = [
        f"/2.3.0/events/?agency__ids={agency}&date__gte=2000-01-01&date__lte=2040-01-01"
        "&ordering=-last_updated&mode=detailed&limit=100",
        f"/2.3.0/events/?search={event['name'].split()[0]}&mode=normal&limit=100",
        "/2.3.0/events/upcoming/?hide_recent_previous=true&mode=detailed&limit=100",
        "/2.3.0/events/?day=1,15&month=3,4&year=2025,2026&mode=list",
        f"/2.3.0/events/?program__ids={program}&launch__ids={launch}",
        f"/2.3.0/events/?video_url={event['vid_urls'][0]['url']}&type__ids=1,2,3",
        "/2.3.0/events/previous/?limit=100&offset=300&ordering=-last_updated",
        f"/2.3.0/events/{event['id']}/",
    ]
    for url in urls:
        queries = page_queries(client, url)
        assert queries, url
        for sql in queries:
            plan = explained(sql, None)
            scanned_whole = re.findall(r"Seq Scan on (events_\w+)", plan)
            assert not scanned_whole, f"{url}\n{sql}\n{plan}"


@pytest.mark.parametrize(
    "parameter, key, field",
    [
        ("agency__ids", "agencies", "id"),
        ("expedition__ids", "expeditions", "id"),
        ("launch__ids", "launches", "id"),
        ("program__ids", "program", "id"),
        ("program", "program", "id"),
        ("spacestation__ids", "spacestations", "id"),
        ("video_url", "vid_urls", "url"),
    ],
)
def test_to_many_filters_read_the_relation_alone(client, generated, parameter, key, field):
    """A to-many filter matches the events' ids in the link (or child) rows alone: from the events joined to
    them, PostgreSQL merged the matching rows with every event (counting among 100,000 events took four
    times as long)."""
    url = f"/2.3.0/events/?{parameter}={common(generated, key, field)}&ordering=-last_updated"
    for sql in page_queries(client, url):
        assert sql.count('FROM "events_event"') == 1, sql


# PostgreSQL made to read events in the order of an index, as it does for a page of many events.
WALKED = ("enable_seqscan", "enable_bitmapscan", "enable_sort")


@pytest.mark.parametrize(
    "url",
    [
        "/2.3.0/events/?date__gte=2000-01-01&date__lte=2040-01-01&ordering=-last_updated&mode=list",
        "/2.3.0/events/?last_updated__gte=2000-01-01&ordering=date&mode=list",
        "/2.3.0/events/previous/?limit=100&offset=20&ordering=-last_updated",
    ],
)
def test_a_page_ordered_by_one_date_and_filtered_by_the_other_reads_the_index_alone(client, url):
    """The index of each ordering carries the other date: walking it, the filter is tested in the index, not
    on each row the walk passes (an event's dates go together, so those rows can be most of them)."""
    (page,) = [sql for sql in page_queries(client, url) if 'AS "pk"' in sql]  # the page's ids
    plan = explained(page, None, WALKED)
    assert re.findall(r"Index Only Scan (?:Backward )?using \w+ on events_event\b", plan), plan
    assert not re.findall(r"(?:Index|Heap|Seq) Scan[^\n]* on events_event\b", plan), plan
