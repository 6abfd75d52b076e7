"""Writers on connections of their own (a thread's each), for tests of what readers see while another writes:
a transactional test's data, since their transactions commit."""

import threading
import time

from django.db import connection, transaction

from spacedevs.models import DataState
from spacedevs.turns import take_writers_turn


class Elsewhere:
    """`work(ready, go)` in a thread with its own connection, closed when it ends; `finish()` lets it go on,
    waits for it and raises what it raised."""

    def __init__(self, work):
        self.ready, self.go, self.failures = threading.Event(), threading.Event(), []
        self.thread = threading.Thread(target=self._run, args=(work,))
        self.thread.start()
        assert self.ready.wait(30)

    def _run(self, work):
        try:
            work(self.ready, self.go)
        except BaseException as error:  # raised again in the test's thread
            self.failures.append(error)
            self.ready.set()
        finally:
            connection.close()

    def finish(self):
        self.go.set()
        self.thread.join()
        if self.failures:
            raise self.failures[0]


class TurnHeldElsewhere(Elsewhere):
    """The writers' turn, held by another connection from `with` until `release_in(seconds)` lets it go, or
    the block ends; `released`: when it did (time.monotonic(), just before its transaction ended)."""

    def __init__(self):
        self.released = None
        super().__init__(self._hold)

    def _hold(self, ready, go):
        with transaction.atomic():
            take_writers_turn()
            ready.set()
            go.wait(30)
            self.released = time.monotonic()

    def release_in(self, seconds):
        threading.Timer(seconds, self.go.set).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.finish()


class WriterElsewhere(Elsewhere):
    """A writer on another connection, connected before this returns, that bumps the data version in a
    transaction of its own when `write()` is called, which returns once it has committed."""

    def __init__(self):
        super().__init__(self._bump)

    @staticmethod
    def _bump(ready, go):
        connection.ensure_connection()
        ready.set()
        go.wait(30)
        with transaction.atomic():
            DataState.bump()

    write = Elsewhere.finish
