"""The service's own records: the state of the data as a whole (the one row every response's freshness is
judged by), and the API keys and tiers clients are throttled by."""

import functools
import hashlib
import secrets
import uuid

from django.core.validators import MinValueValidator
from django.db import connections, models, router
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from .driver import fetch_first_rows, fetch_one
from .faults import retried_if_dropped
from .replicas import PRIMARY
from .turns import lease, lease_clock, lease_statement, leased_state, may_lease

THE_ROW = 1


class DataState(models.Model):
    """Which version of the data the database holds, and when the mirror last synced from its upstream.

    `version` goes up in the same transaction as every write to the served data (ingestion, sync, the
    admin), so a response computed from version N can be served again exactly while the version is N. The
    sync fields repeat the newest sync checkpoint, so that a request reads all of this in one query.
    """

    # Names this database's line of versions: a database created again starts a new one, so that responses
    # cached for its predecessor's versions (in a shared Redis) can never match.
    epoch = models.UUIDField(default=uuid.uuid4, null=True)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True, help_text="When the served data last changed.")
    previous_changed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the served data changed before that."
    )
    synced_at = models.DateTimeField(null=True, blank=True, help_text="When a sync page last committed.")
    synced_from = models.URLField(max_length=500, blank=True, default="")
    served_by = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        help_text="The code that serves the data since it last changed (spacedevs.sources.response_code).",
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=THE_ROW), name="data_state_one_row")]

    def __str__(self):
        return f"data version {self.version}"

    _last_read = None  # ((alias, row), state): see _read

    @classmethod
    def current(cls):
        """The state now, where the request reads: leased (spacedevs/turns.py), or read; no epoch, version 0,
        never synced, on a database nothing was written to."""
        return cls.current_on(router.db_for_read(cls))

    @classmethod
    def current_on(cls, alias):
        """The state the database `alias` holds now: leased (spacedevs/turns.py), or read."""
        return cls.leased_on(alias) or cls.read_on(alias)

    @classmethod
    def read_on(cls, alias):
        """The state the database `alias` holds now, read; on the primary, outside a transaction, leased too.

        Every request takes it first (on the primary), read or leased, so it also stands for Django's
        connection health check (off in the settings: that check costs a round trip of its own per
        request). A connection kept from an earlier request that fails here is replaced and the read tried
        once more, as the check would have done; one that a lease would spare this read is taken only
        while it is quiet (turns.is_quiet), so that one the database dropped is read on, and replaced.
        """
        connection = connections[alias]
        return retried_if_dropped(connection, functools.partial(cls._read, connection))

    @classmethod
    def leased_on(cls, alias):
        """The state leased on `alias` while the lease lasts, to a read outside a transaction on a quiet
        connection; else None."""
        connection = connections[alias]
        return leased_state(connection) if may_lease(connection) else None

    @classmethod
    def _read(cls, connection):
        if connection.vendor != "postgresql":
            table = connection.ops.quote_name(cls._meta.db_table)
            rows = cls.objects.db_manager(connection.alias)
            found = list(rows.raw(f"SELECT * FROM {table} WHERE id = %s", [THE_ROW]))
            return found[0] if found else cls(pk=THE_ROW, epoch=None)
        # Every request's first query, so read on the driver itself: the ORM and Django's cursor each cost
        # more than the database's answer.
        names, sql = cls._postgresql_read(connection.ops.quote_name)
        connection.ensure_connection()
        if connection.alias != PRIMARY or not may_lease(connection):
            return cls._state_of(connection.alias, names, fetch_one(connection, sql))
        # On the primary, outside a transaction: leased when no writer holds its turn (spacedevs/turns.py).
        sent = lease_clock()
        (free,), row = fetch_first_rows(connection, [lease_statement(cls._meta.db_table), sql])
        state = cls._state_of(connection.alias, names, row)
        if free:
            lease(connection, state, sent)
        return state

    @classmethod
    def _state_of(cls, alias, names, row):
        if row is None:
            return cls(pk=THE_ROW, epoch=None)
        # The row changes only with the data, and the state is only read: the last one read is shared
        # while the row is the same (a model instance costs what the read does).
        read = (alias, row)
        last = cls._last_read
        if last is not None and last[0] == read:
            return last[1]
        state = cls.from_db(alias, names, row)
        cls._last_read = (read, state)
        return state

    @classmethod
    @functools.cache
    def _postgresql_read(cls, quote):
        """The names of the row's fields that a request reads, and the statement reading them (`quote`:
        PostgreSQL's quote_name). Not `served_by`, a deploy's alone: a deploy's workers may start before
        its migrate has added the column."""
        names = [field.attname for field in cls._meta.concrete_fields if field.attname != "served_by"]
        columns = ", ".join(map(quote, names))
        return names, f"SELECT {columns} FROM {quote(cls._meta.db_table)} WHERE id = {THE_ROW}"

    @functools.cached_property  # a state, once read, is only read
    def tag(self):
        """Says which data a response was computed from: equal tags, equal data.

        The moment of the change is part of it: a database restored from a backup goes on from the backup's
        version, numbering its next versions as those it lost (which caches may still hold), but at later
        moments.
        """
        changed = self.changed_at.isoformat() if self.changed_at else "-"
        return f"{self.epoch or '-'}/{self.version}/{changed}"

    @functools.cached_property
    def synced_tag(self):
        """The tag, and where from and when the data was last synced: for a response that shows these too (a
        sync that changes no data moves the time, not the version)."""
        synced = self.synced_at.isoformat() if self.synced_at else "-"
        return f"{self.tag}/{synced}/{self.synced_from}"

    def tag_for(self, shows_sync):
        """The tag a response is computed from: `synced_tag` for one that `shows_sync`."""
        return self.synced_tag if shows_sync else self.tag

    @property
    def modified_second(self):
        """When the data last changed, for `If-Modified-Since`: in whole seconds, as HTTP dates give it, or
        None if it never did. A change in the same second as the one before it (or, with clocks that differ,
        before it) counts from the second after: a copy dated to that second may hold either version."""
        if self.changed_at is None:
            return None
        second = int(self.changed_at.timestamp())
        before = -1 if self.previous_changed_at is None else int(self.previous_changed_at.timestamp())
        return before + 1 if before >= second else second

    def is_current(self):
        """Whether the database (the one this request reads) still holds the data of this state."""
        return type(self).current().tag == self.tag

    @classmethod
    def _update(cls, using=None, **values):
        rows = cls.objects.using(using)
        if not rows.filter(pk=THE_ROW).update(**values):
            rows.get_or_create(pk=THE_ROW)
            rows.filter(pk=THE_ROW).update(**values)

    @classmethod
    def bump(cls):
        """A write to the served data: call it inside the write's transaction."""
        cls._update(**cls._change())

    @classmethod
    def deployed(cls, code, using=None, data_migrated=False):
        """A deploy of `code` (spacedevs.sources.response_code), as its migrate reports it. Code other than
        the one that served the data before changes what is served (a page's template, the schema, a
        feed's format…) as a write would: the version moves, and with it `Last-Modified`, which would
        otherwise let `If-Modified-Since` keep a response of the code before. (The ETag names the code
        already.) With no data served yet, there is nothing to tell. A migrate that changed served tables
        itself (`data_migrated`: a data migration writes rows no signal reports) is a write, whatever the
        code and whether or not anything was written before."""
        if data_migrated:
            cls._update(using, **cls._change(), served_by=code)
            return
        rows = cls.objects.using(using).filter(pk=THE_ROW, changed_at__isnull=False).exclude(served_by=code)
        rows.update(**cls._change(), served_by=code)

    @staticmethod
    def _change():
        now = Value(timezone.now(), output_field=models.DateTimeField())
        return {
            "version": F("version") + 1,
            "previous_changed_at": F("changed_at"),
            # Never before the change before it, whatever the clock of this writer's host says: a date
            # earlier than that one's could give a later change the date a client holds of an earlier one.
            "changed_at": Greatest(now, Coalesce(F("changed_at"), now)),
        }

    @classmethod
    def synced(cls, upstream, at):
        cls._update(synced_at=at, synced_from=upstream)


class APITier(models.Model):
    """A request allowance, as LL2 sells them: so many requests an hour for each key of the tier."""

    name = models.CharField(max_length=50, unique=True)
    requests_per_hour = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["requests_per_hour", "name"]
        verbose_name = "API tier"
        # Not the form's alone (a shell, a script): a tier of none would fail every request of its keys.
        constraints = [
            models.CheckConstraint(condition=models.Q(requests_per_hour__gte=1), name="api_tier_at_least_one")
        ]

    def __str__(self):
        return f"{self.name} ({self.requests_per_hour}/hour)"

    @property
    def rate(self):
        """In DRF's throttle notation."""
        return f"{self.requests_per_hour}/hour"


class APIKey(models.Model):
    """A client's key (`Authorization: Token <key>`), kept only as its SHA-256: keys are long random strings,
    so the hash alone identifies one and a copy of the database reveals none. `prefix` names it to people."""

    name = models.CharField(max_length=100, help_text="Who the key is for.")
    tier = models.ForeignKey(APITier, on_delete=models.PROTECT, related_name="keys")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked = models.BooleanField(default=False, help_text="A revoked key is refused (401).")

    class Meta:
        ordering = ["name", "created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(key):
        return hashlib.sha256(key.encode()).hexdigest()

    def set_new_key(self):
        """Gives the APIKey a new random key and returns it, to be shown only now: only its hash is kept."""
        key = secrets.token_hex(20)
        self.key_hash, self.prefix = self.hash(key), key[:8]
        return key

    @classmethod
    def find(cls, key):
        """The usable APIKey `key` is, with its tier, or None; from the primary (a replica that lags would
        still take a key just revoked). A keyed request's first query: on PostgreSQL it is read on the
        driver, as the data state is, so that its wait is bounded in a threaded worker too, and on a kept
        connection the database dropped, once more on a new one."""
        connection = connections[PRIMARY]
        if connection.vendor != "postgresql":
            keys = cls.objects.db_manager(PRIMARY).select_related("tier")
            return keys.filter(key_hash=cls.hash(key), revoked=False).first()
        key_names, tier_names, sql = cls._postgresql_find(connection.ops.quote_name)
        row = retried_if_dropped(connection, functools.partial(fetch_one, connection, sql, [cls.hash(key)]))
        if row is None:
            return None
        found = cls.from_db(PRIMARY, key_names, row[: len(key_names)])
        found.tier = APITier.from_db(PRIMARY, tier_names, row[len(key_names) :])
        return found

    @classmethod
    @functools.cache
    def _postgresql_find(cls, quote):
        """The key's and its tier's field names, and the statement reading both by the key's hash."""

        def column(model, field):
            return f"{quote(model._meta.db_table)}.{quote(field.column)}"

        fields = {model: model._meta.concrete_fields for model in (cls, APITier)}
        selected = ", ".join(column(model, field) for model in fields for field in fields[model])
        key_field = cls._meta.get_field
        sql = (
            f"SELECT {selected} FROM {quote(cls._meta.db_table)} JOIN {quote(APITier._meta.db_table)} "
            f"ON {column(APITier, APITier._meta.pk)} = {column(cls, key_field('tier'))} "
            f"WHERE {column(cls, key_field('key_hash'))} = $1 AND NOT {column(cls, key_field('revoked'))}"
        )
        key_names, tier_names = ([field.attname for field in fields[model]] for model in (cls, APITier))
        return key_names, tier_names, sql
