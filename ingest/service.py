"""The mirror's passes, as `sync_ll2` runs them once its arguments are read: one pass (the changed events'
pages, then the refresh and the prune asked for), or `--watch`'s service of a pass every so many seconds,
holding the sync lock throughout."""

import contextlib
import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection

from spacedevs.faults import first_line, is_database_unavailable, is_deadlock
from spacedevs.timestamps import iso_utc

from .prune import PruneRefused, prune_events, upstream_event_ids
from .sync import SyncBusy, exclusive_sync, refresh_events, sync_events
from .upstream import SyncStopped, UpstreamError

# Its lines go where the server's do (LOG_FORMAT, LOG_LEVEL): in JSON, with their time and level, for the
# service (`--watch`) as for a run by hand.
logger = logging.getLogger("ingest.sync")


@dataclass
class Pass:
    """What each pass does after the changed events' pages: `refresh` the recent ones, `prune` the events
    gone upstream (no more than `max_prune_fraction` of them unless `force`)."""

    refresh: bool
    prune: bool
    max_prune_fraction: float
    force: bool


class Mirror:
    """Passes of a sync from `upstream`, until `stopping` is set.

    `watch`: the seconds between passes (None: one pass). `progress(total)` gives a bar for a pass of
    `total` events (tqdm's: `update()`, `close()`, and `disable` when it draws nothing, where a line per
    page is logged instead); `report(text)` tells what a pass did.
    """

    def __init__(self, upstream, *, each_pass, watch, stopping, progress, report):
        self.upstream = upstream
        self.each_pass = each_pass
        self.watch = watch
        self.stopping = stopping
        self.progress = progress
        self.report = report
        self.resume_from = None  # where a run from before the checkpoint was cut short, until it is done

    def taken_up(self, message):
        """`message`, and how to take up a run from `--since` that was cut short: the checkpoint, which never
        goes back, does not, when the run began before it (`--since all` on a mirror that has synced)."""
        if self.resume_from is None:
            return message
        return f"{message}; `sync_ll2 --since {iso_utc(self.resume_from)}` takes the run up where it stopped"

    def serve(self, since):
        """The first pass, then --watch's polls, holding the sync lock throughout. After the first pass, a
        database gone (a restart, a failover), busy past its timeout (SQLite's lock, during an import) or
        cancelling the page's transaction in a deadlock (with a script or a migration locking rows it
        writes; the page is rolled back whole) is a passing fault, as a down upstream is: the next poll
        connects again and takes the lock again (PostgreSQL's went with the session)."""
        first = True
        waited = False  # the wait after a passing fault: the next poll is due at once
        while True:
            try:
                with exclusive_sync():
                    if first:
                        self.run_once(since)
                        first = False
                    while self.watch and (waited or not self.stopping.wait(self.watch)):
                        waited = False
                        self.poll()
                return
            except (DatabaseError, SyncBusy) as error:
                passing = is_database_unavailable(error) or is_deadlock(error)
                if first or (isinstance(error, DatabaseError) and not passing):
                    raise  # data the database refuses stops the service, as data that fails validation does
                # Without the lock meanwhile: a sync that took it (a run by hand; a session of ours that
                # PostgreSQL has not yet seen gone) is waited out, poll after poll.
                logger.warning("%s; trying again in %g s", first_line(error), self.watch)
                with contextlib.suppress(DatabaseError):
                    connection.close()
                if self.stopping.wait(self.watch):
                    return
                waited = True

    def poll(self):
        """One more pass of --watch: a fault of the upstream (down past the retries, answering with
        something else than LL2) or a prune refused is logged, and the next poll tries again; data that
        fails validation stops the service, as it would stop any sync. Each poll keeps to the budget the
        upstream states then."""
        try:
            self.upstream.read_budget()
            self.run_once("auto")
        except (UpstreamError, PruneRefused) as error:
            logger.warning("%s; trying again in %g s", error, self.watch)

    def run_once(self, since):
        """A pass from `since` (`auto`: the checkpoint; `all`; or a datetime)."""
        progress = None

        def on_page(page, summary):
            nonlocal progress
            if since != "auto":
                self.resume_from = summary.resume_from
            if progress is None:
                progress = self.progress(page["count"])
            progress.update(len(page["results"]))
            if progress.disable:
                logger.info(f"page {summary.pages}: {len(page['results'])} of {page['count']} events left")

        try:
            summary = sync_events(
                self.upstream,
                since=None if since == "all" else since,
                on_page=on_page,
                should_stop=self.stopping.is_set,
            )
        finally:
            if progress is not None:
                progress.close()
        self.resume_from = None  # the run's pages are in
        refresh_failed = None
        if self.each_pass.refresh:
            try:
                refresh_events(self.upstream, summary)
            except UpstreamError as error:  # the prune does not rest on it: it still runs
                refresh_failed = error
        if self.each_pass.prune:
            if self.stopping.is_set():
                raise SyncStopped()
            summary.pruned += prune_events(
                upstream_event_ids(self.upstream),
                max_fraction=self.each_pass.max_prune_fraction,
                force=self.each_pass.force,
            )
        self.report(f"{self.upstream.base_url}: {summary}")
        if refresh_failed is not None:  # what the pass did is reported first: the prune's deletions too
            raise refresh_failed
