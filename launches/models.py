from django.db import models

from config.models import Image, LaunchStatus, NetPrecision
from spacedevs.text_bounds import LONG_URL_LENGTH


class Launch(models.Model):
    """A launch as LL2's LaunchBasic form describes it: the form events embed."""

    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=2048)
    slug = models.SlugField(max_length=2048)
    launch_designator = models.CharField(max_length=255, null=True, blank=True)
    status = models.ForeignKey(
        LaunchStatus, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_updated = models.DateTimeField(db_index=True)
    net = models.DateTimeField(db_index=True)
    net_precision = models.ForeignKey(
        NetPrecision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    window_end = models.DateTimeField()
    window_start = models.DateTimeField()
    image = models.ForeignKey(Image, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    infographic = models.URLField(max_length=LONG_URL_LENGTH, null=True, blank=True)

    class Meta:
        ordering = ["net", "id"]
        verbose_name_plural = "launches"

    def __str__(self):
        return self.name
