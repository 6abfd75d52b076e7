"""The state of the data as a whole: the one row every response's freshness is judged by."""

import uuid

from django.db import models
from django.db.models import F
from django.utils import timezone

THE_ROW = 1


class DataState(models.Model):
    """Which version of the data the database holds, and when the mirror last synced from its upstream.

    `version` goes up in the same transaction as every write to the served data (ingestion, sync, the
    admin), so a response computed from version N can be served again exactly while the version is N. The
    sync fields repeat the newest sync checkpoint, so that a request reads all of this in one query.
    """

    # Names this database's line of versions: a database created again (or restored) starts a new one, so
    # that responses cached for its predecessor's versions (in a shared Redis) can never match.
    epoch = models.UUIDField(default=uuid.uuid4, null=True)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True, help_text="When the served data last changed.")
    synced_at = models.DateTimeField(null=True, blank=True, help_text="When a sync page last committed.")
    synced_from = models.URLField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=THE_ROW), name="data_state_one_row")]

    def __str__(self):
        return f"data version {self.version}"

    @classmethod
    def current(cls):
        """The state now; no epoch, version 0, never synced, on a database nothing was written to."""
        return cls.objects.filter(pk=THE_ROW).first() or cls(pk=THE_ROW, epoch=None)

    @property
    def tag(self):
        """Says which data a response was computed from: equal tags, equal data."""
        return f"{self.epoch or '-'}/{self.version}"

    @classmethod
    def _update(cls, **values):
        if not cls.objects.filter(pk=THE_ROW).update(**values):
            cls.objects.get_or_create(pk=THE_ROW)
            cls.objects.filter(pk=THE_ROW).update(**values)

    @classmethod
    def bump(cls):
        """A write to the served data: call it inside the write's transaction."""
        cls._update(version=F("version") + 1, changed_at=timezone.now())

    @classmethod
    def synced(cls, upstream, at):
        cls._update(synced_at=at, synced_from=upstream)
