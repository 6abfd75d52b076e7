"""Space stations, the expeditions aboard them, and those expeditions' spacewalks."""

from django.db import models

from agencies.models import MissionPatch
from config.models import Image, SpaceStationStatus, SpaceStationType
from spacedevs.positions import PositionedRow, unique_position


class SpaceStation(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    image = models.ForeignKey(Image, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.ForeignKey(SpaceStationStatus, on_delete=models.PROTECT, related_name="space_stations")
    founded = models.DateField()
    deorbited = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=2048)
    orbit = models.CharField(max_length=255, null=True, blank=True)
    type = models.ForeignKey(SpaceStationType, on_delete=models.PROTECT, related_name="space_stations")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Spacewalk(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)
    location = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Expedition(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    spacestation = models.ForeignKey(SpaceStation, on_delete=models.PROTECT, related_name="expeditions")
    mission_patches = models.ManyToManyField(
        MissionPatch, through="ExpeditionMissionPatch", related_name="expeditions"
    )
    spacewalks = models.ManyToManyField(Spacewalk, through="ExpeditionSpacewalk", related_name="expeditions")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class ExpeditionRow(PositionedRow):
    expedition = models.ForeignKey(Expedition, on_delete=models.CASCADE)

    class Meta(PositionedRow.Meta):
        abstract = True
        constraints = [unique_position("expedition")]


class ExpeditionMissionPatch(ExpeditionRow):
    mission_patch = models.ForeignKey(MissionPatch, on_delete=models.CASCADE)


class ExpeditionSpacewalk(ExpeditionRow):
    spacewalk = models.ForeignKey(Spacewalk, on_delete=models.CASCADE)
