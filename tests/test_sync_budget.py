"""sync_ll2's rate budget, on a fake clock that only the client's sleeps move: the fallback (--rate), the
budget /api-throttle/ states and its current use, and the upstream asked again when a call would wait for the
calls it stated."""

import threading
from types import SimpleNamespace

import pytest

from ingest.sync import sync_events
from ingest.upstream import Budget

from .fake_upstream import FakeClock
from .sync_fixtures import THIN

pytestmark = pytest.mark.django_db


def sync_on_fake_clock(fake_ll2, connect, *, throttle=None, budget, used=0):
    """A full sync of 12 pages (of two thin events each, to be quick: each page after the first starts
    again at the last event of the one before) from a fake allowing 5 calls per 10 s, on a fake clock that
    only the client's sleeps move."""
    clock = FakeClock()
    fake = fake_ll2(THIN[:13], page_size=2, rate=(5, 10), clock=clock, throttle=throttle)
    fake.limiter.spend(used)
    messages = []
    upstream = connect(fake, budget=budget, clock=clock, sleep=clock.sleep, log=messages.append)
    summary = sync_events(upstream, since="auto")
    assert str(summary) == "12 pages: 13 created, 0 updated, 0 unchanged, 0 pruned"
    times = [call.clock - 1000.0 for call in fake.calls()]
    return SimpleNamespace(fake=fake, clock=clock, messages=messages, times=times)


def test_the_fallback_budget_keeps_every_call_within_the_limit(fake_ll2, connect):
    run = sync_on_fake_clock(fake_ll2, connect, budget=Budget(5, 10))
    assert [call.status for call in run.fake.calls()] == [200] * 12
    assert run.times == [0] * 5 + [10] * 5 + [20] * 2
    assert run.clock.sleeps == [10, 10]
    assert run.messages == []  # no /api-throttle/ here: the fallback, silently


def test_without_a_budget_the_fake_limits_for_real(fake_ll2, connect):
    # The control: a client allowed 1000 calls a second is answered 429 and waits the Retry-After.
    run = sync_on_fake_clock(fake_ll2, connect, budget=Budget(1000, 1))
    assert [call.status for call in run.fake.calls()] == [200] * 5 + [429] + [200] * 5 + [429] + [200] * 2
    assert run.times == [0] * 6 + [10] * 6 + [20] * 2
    assert run.clock.sleeps == [10.0, 10.0]


def test_the_api_throttle_budget_takes_precedence_over_the_fallback(fake_ll2, connect):
    # A fallback of one call an hour would take 11 hours here; the upstream's 5 per 10 s takes 20 s.
    # (The next test has a fallback looser than the upstream's budget.)
    throttle = {"your_request_limit": 5, "limit_frequency_secs": 10}
    run = sync_on_fake_clock(fake_ll2, connect, throttle=throttle, budget=Budget(1, 3600))
    assert [call.status for call in run.fake.calls()] == [200] * 12
    assert run.times == [0] * 5 + [10] * 5 + [20] * 2
    assert run.messages == ["upstream budget: 5 calls per 10 s (0 used)"]
    assert len(run.fake.calls("/2.3.0/api-throttle/")) == 1


def test_the_api_throttle_current_use_counts_as_spent(fake_ll2, connect):
    throttle = {"your_request_limit": 5, "limit_frequency_secs": 10}
    run = sync_on_fake_clock(fake_ll2, connect, throttle=throttle, budget=Budget(1000, 1), used=3)
    assert [call.status for call in run.fake.calls()] == [200] * 12
    assert run.times == [0] * 2 + [10] * 5 + [20] * 5
    # The third call would wait for the three stated: the upstream, asked again, says its window is full
    # until t=10. From then on the calls waited for are this client's own, whose times it knows.
    assert run.messages == [
        "upstream budget: 5 calls per 10 s (3 used)",
        "upstream budget: 5 calls per 10 s (5 used)",
    ]


def after_another_clients_calls(fake_ll2, connect, **options):
    """(fake, clock, upstream): a fake allowing 5 calls per 10 s, stated at /api-throttle/, of which another
    client made three at t=0; an Upstream on it from t=9."""
    clock = FakeClock()
    throttle = {"your_request_limit": 5, "limit_frequency_secs": 10}
    fake = fake_ll2(THIN[:5], page_size=2, rate=(5, 10), clock=clock, throttle=throttle)
    fake.limiter.spend(3)
    clock.sleep(9)
    return fake, clock, connect(fake, clock=clock, sleep=clock.sleep, **options)


def test_a_budget_read_again_counts_every_call_stated_as_just_made(fake_ll2, connect):
    # 5 calls per 10 s. Another client's three calls at t=0; this client starts at t=9 (counting them as
    # made then), and another three of the other client's come at t=11, when the budget is read again. The
    # three it states count as made at t=11: two calls then, and the third waits until t=21. Keeping this
    # client's record and adding only the calls beyond it let the third go at t=19, into a 429 (a review's
    # finding); this client's own calls count as just made too, a wait longer than needed, never too short.
    fake, clock, upstream = after_another_clients_calls(fake_ll2, connect)
    clock.sleep(2)
    fake.limiter.spend(3)
    upstream.read_budget()
    for _ in range(3):
        upstream.get_page(upstream.url("events/?mode=list&limit=2"))
    assert clock.sleeps == [9, 2, 10.0]
    assert [call.status for call in fake.calls("/2.3.0/events/")] == [200] * 3


def test_a_call_waiting_for_calls_stated_asks_the_upstream_again(fake_ll2, connect):
    # 5 calls per 10 s. Another client's three calls at t=0; this client starts at t=9, counting them as
    # made then, the latest they can have been. Its third call would wait until t=19 for them; asked again,
    # the upstream says its window is full until t=10, and at t=10 that its oldest calls have left: the
    # third, fourth and fifth calls go then, not an hour (here 10 s) after the reading.
    messages = []
    fake, clock, upstream = after_another_clients_calls(fake_ll2, connect, log=messages.append)
    for _ in range(5):
        upstream.get_page(upstream.url("events/?mode=list&limit=2"))
    assert clock.sleeps == [9, 1.0]
    assert [(call.clock - 1000.0, call.status) for call in fake.calls()] == [(9, 200)] * 2 + [(10, 200)] * 3
    assert messages == [
        "upstream budget: 5 calls per 10 s (3 used)",
        "upstream budget: 5 calls per 10 s (5 used)",
        "upstream budget: 5 calls per 10 s (3 used)",
    ]


def test_an_upstream_not_saying_when_the_next_call_may_be_made_is_not_asked_again(fake_ll2, connect):
    # 2 calls per 10 s, stated without next_use_secs; another client's call at t=0. This client reads the
    # budget at t=0 and calls at t=5; its next call waits for the call stated, until t=10. Asked again, the
    # upstream would say its window is full, and not until when: both calls counted as made at t=5, and a
    # wait until t=15.
    clock = FakeClock()
    throttle = {"your_request_limit": 2, "limit_frequency_secs": 10, "next_use_secs": None}
    fake = fake_ll2(THIN[:5], page_size=2, rate=(2, 10), clock=clock, throttle=throttle)
    fake.limiter.spend(1)
    upstream = connect(fake, clock=clock, sleep=clock.sleep)
    clock.sleep(5)
    for _ in range(2):
        upstream.get_page(upstream.url("events/?mode=list&limit=2"))
    assert clock.sleeps == [5, 5.0]
    assert [call.status for call in fake.calls()] == [200, 200]
    assert len(fake.calls("/2.3.0/api-throttle/")) == 1


def test_a_call_the_upstream_counts_after_the_reading_for_its_retry_costs_a_429_waited_out(fake_ll2, connect):
    # This client's second call gets no answer: held on the way past its timeout, it reaches the upstream,
    # which counts it, only after the client read the budget again (its retry waiting for the three calls
    # stated), so that the reading leaves it out. The retry takes its slot: a 429, which asks for a second,
    # and then a 200 at t=10. (Counting such a call into later readings too would count it twice when the
    # upstream counted it at once, the usual case: a wait up to a window longer than needed.)
    arrived, held, counted = [], threading.Event(), threading.Event()

    def arriving(query):
        arrived.append(query)
        if len(arrived) == 2:
            held.wait(5)

    def log(message):
        if message.endswith("(4 used)"):  # the reading after the timeout, made before the upstream counts it
            held.set()
            counted.wait(5)

    fake, _, upstream = after_another_clients_calls(fake_ll2, connect, log=log)
    admit = fake.limiter.admit

    def admit_held():
        answer = admit()
        if held.is_set():
            counted.set()
        return answer

    fake.arriving, fake.limiter.admit = arriving, admit_held
    for _ in range(2):
        upstream.get_page(upstream.url("events/?mode=list&limit=2"))
    calls = fake.calls()
    assert [(round(call.clock - 1000.0), call.status) for call in calls[:1] + calls[2:]] == [
        (9, 200),
        (9, 429),
        (10, 200),
    ]
    assert counted.is_set()


def test_an_upstream_without_a_limit_is_not_spaced(fake_ll2, connect):
    # This project's own /api-throttle/ to a client it does not limit: nulls. Not the fallback's 1 an hour.
    throttle = {"your_request_limit": None, "limit_frequency_secs": None}
    run = sync_on_fake_clock(fake_ll2, connect, throttle=throttle, budget=Budget(1, 3600))
    assert run.messages[0] == "upstream budget: unlimited"
    assert run.clock.sleeps == [10.0, 10.0]  # only the fake's own 429s, as in the control above
