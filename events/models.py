"""An LL2 event, its own children (video and info URLs, updates) and its ordered links to other resources."""

import datetime

from django.db import models
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.utils import timezone

from agencies.models import Agency
from astronauts.models import Astronaut
from config.models import EventType, Image, InfoURLType, Language, NetPrecision, VidURLType
from launches.models import Launch
from programs.models import Program
from spacedevs.api.document_cache import digest_of
from spacedevs.positions import PositionedRow, unique_position
from spacedevs.text_bounds import LONG_URL_LENGTH
from spacestations.models import Expedition, SpaceStation

RECENT_GRACE = datetime.timedelta(hours=24)


def after_grace(date):
    """When an event dated `date` (or None) leaves the upcoming window: None when it never does (no date, or
    a date whose grace ends past the year 9999)."""
    try:
        return None if date is None else date + RECENT_GRACE
    except OverflowError:
        return None


class EventQuerySet(models.QuerySet):
    def upcoming(self, now, hide_recent=False):
        """LL2 keeps events in upcoming for 24 hours after their date, unless asked to hide them."""
        return self.filter(date__gte=now if hide_recent else now - RECENT_GRACE)

    def previous(self, now):
        return self.filter(date__lt=now)

    def next_window_change(self, now):
        """The first moment from `now` on after which an event enters or leaves the upcoming or previous
        window (its date, or its date plus the grace), or None when none will: the windows' contents are the
        same at every moment from `now` up to it, and may differ just after it (`now` itself when an event's
        date is `now`). One statement of two index lookups, whatever the number of events."""

        def first_date_from(moment):
            return models.Subquery(self.filter(date__gte=moment).order_by("date").values("date")[:1])

        changes = (
            self.model.objects.annotate(
                next_date=first_date_from(now), next_in_grace=first_date_from(now - RECENT_GRACE)
            )
            .values("next_date", "next_in_grace")
            .first()
        )
        if changes is None:
            return None
        moments = [changes["next_date"], after_grace(changes["next_in_grace"])]
        return min((moment for moment in moments if moment is not None), default=None)


class Event(models.Model):
    id = models.IntegerField(primary_key=True, help_text="A unique integer value identifying this Event.")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=2048, unique=True)
    type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="events")
    description = models.CharField(max_length=2048, blank=True, default="")
    webcast_live = models.BooleanField(default=False)
    location = models.CharField(max_length=100, null=True, blank=True)
    image = models.ForeignKey(Image, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    date = models.DateTimeField()
    date_precision = models.ForeignKey(
        NetPrecision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duration = models.DurationField(null=True, blank=True)
    # A list-mode import carries no last_updated: a new event gets the time it was first seen.
    last_updated = models.DateTimeField(default=timezone.now)
    agencies = models.ManyToManyField(Agency, through="EventAgency", related_name="events")
    launches = models.ManyToManyField(Launch, through="EventLaunch", related_name="events")
    expeditions = models.ManyToManyField(Expedition, through="EventExpedition", related_name="events")
    spacestations = models.ManyToManyField(SpaceStation, through="EventSpaceStation", related_name="events")
    program = models.ManyToManyField(Program, through="EventProgram", related_name="events")
    astronauts = models.ManyToManyField(Astronaut, through="EventAstronaut", related_name="events")

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        # Each ordering's index carries the other date (PostgreSQL): a page ordered by one and filtered by
        # the other is read from the index alone. The two dates go together (an event is updated as its date
        # nears), so the rows an ordered walk passes before the filter's range are many: three agencies,
        # half the dates, by -last_updated at 100,000 events, 45,000 rows and 50 ms read from the table,
        # 9 ms from the index.
        indexes = [
            models.Index(
                fields=["date", "id"], include=["last_updated"], name="event_date_with_last_updated"
            ),
            models.Index(
                fields=["last_updated", "id"], include=["date"], name="event_last_updated_with_date"
            ),
            # The day, month and year filters compare parts of the date in UTC.
            models.Index(ExtractDay("date"), name="event_date_day"),
            models.Index(ExtractMonth("date"), name="event_date_month"),
            models.Index(ExtractYear("date"), name="event_date_year"),
        ]

    def __str__(self):
        return self.name


class EventRow(PositionedRow):
    """A row in one of an event's lists: its own children (video and info URLs, updates) and its links."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE)

    class Meta(PositionedRow.Meta):
        abstract = True
        ordering = ["event", "position"]
        constraints = [unique_position("event")]


class VidURL(EventRow):
    priority = models.IntegerField(default=0)
    source = models.CharField(max_length=200, null=True, blank=True)
    publisher = models.CharField(max_length=255, null=True, blank=True)
    title = models.CharField(max_length=200, null=True, blank=True)
    description = models.CharField(max_length=800, null=True, blank=True)
    feature_image = models.URLField(max_length=200, null=True, blank=True)
    url = models.URLField(max_length=LONG_URL_LENGTH, db_index=True)
    type = models.ForeignKey(VidURLType, on_delete=models.PROTECT, related_name="+")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    live = models.BooleanField(default=False)

    class Meta(EventRow.Meta):
        default_related_name = "vid_urls"
        verbose_name = "video URL"

    def __str__(self):
        return self.url


class InfoURL(EventRow):
    priority = models.IntegerField(default=0)
    source = models.CharField(max_length=200, null=True, blank=True)
    title = models.CharField(max_length=200, null=True, blank=True)
    description = models.CharField(max_length=350, null=True, blank=True)
    feature_image = models.URLField(max_length=200, null=True, blank=True)
    url = models.URLField(max_length=LONG_URL_LENGTH)
    type = models.ForeignKey(InfoURLType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta(EventRow.Meta):
        default_related_name = "info_urls"
        verbose_name = "info URL"

    def __str__(self):
        return self.url


class Update(EventRow):
    id = models.IntegerField(primary_key=True)
    profile_image = models.URLField(max_length=LONG_URL_LENGTH, null=True, blank=True)
    comment = models.TextField(max_length=40000, null=True, blank=True)
    info_url = models.URLField(max_length=200, null=True, blank=True)
    created_by = models.CharField(max_length=255, null=True, blank=True)
    created_on = models.DateTimeField()

    class Meta(EventRow.Meta):
        default_related_name = "updates"

    def __str__(self):
        return self.comment or f"Update {self.id}"


class EventAgency(EventRow):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE)


class EventLaunch(EventRow):
    launch = models.ForeignKey(Launch, on_delete=models.CASCADE)


class EventExpedition(EventRow):
    expedition = models.ForeignKey(Expedition, on_delete=models.CASCADE)


class EventSpaceStation(EventRow):
    spacestation = models.ForeignKey(SpaceStation, on_delete=models.CASCADE)


class EventProgram(EventRow):
    program = models.ForeignKey(Program, on_delete=models.CASCADE)


class EventAstronaut(EventRow):
    astronaut = models.ForeignKey(Astronaut, on_delete=models.CASCADE)


class EventDocument(models.Model):
    """The event's JSON in each mode, as the serializers render it (links as marked paths: see
    spacedevs/api/stored.py), rendered whenever the event or anything it embeds is written (see
    documents.py), so that a page is read, not rendered."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, primary_key=True, related_name="document")
    # On PostgreSQL, compressed by lz4 and kept in the row (migrations 0007 to 0009): a change of a column's
    # type resets both, and would need them set again.
    list = models.TextField()
    normal = models.TextField()
    detailed = models.TextField()
    # Of the code that rendered them: documents of an older rendering are rendered again on migrate.
    fingerprint = models.CharField(max_length=64)
    # Of each document, by the database whoever writes it: what each process keeps the document under
    # (spacedevs/api/document_cache.py).
    list_digest = digest_of("list")
    normal_digest = digest_of("normal")
    detailed_digest = digest_of("detailed")

    def __str__(self):
        return f"Documents of event {self.event_id}"
