"""Where a mirror stands against each upstream it syncs from."""

from django.db import models


class SyncCheckpoint(models.Model):
    """The progress of `sync_ll2` against one upstream, saved in the same transaction as each page.

    `last_updated`: every event updated upstream before CHECKPOINT_OVERLAP before it is in (the newest
    `last_updated` synced, or the moment the upstream served the run's first page if that is earlier:
    ingest/sync.py says why); the next run asks for the events updated at or after that (those read again
    import as unchanged), so nothing is lost between runs. `last_id`: the event synced last.

    `group_from`, `group_dated`, `group_began`: while a run reads a group of events sharing a `last_updated`
    (ingest/sync.py), that moment, the date its next page reads from (none: its first page), and the moment
    the upstream served the first page of the run that began reading it; the next run takes the group up
    there. None outside a group.
    """

    upstream = models.URLField(max_length=500, unique=True)
    last_updated = models.DateTimeField(null=True, blank=True)
    last_id = models.IntegerField(null=True, blank=True, help_text="The event synced last.")
    last_success = models.DateTimeField(null=True, blank=True, help_text="When a page last committed.")
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    group_from = models.DateTimeField(null=True, blank=True)
    group_dated = models.DateTimeField(null=True, blank=True)
    group_began = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_success"]

    def __str__(self):
        return self.upstream
