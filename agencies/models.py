"""Agencies, and the mission patches they own (patches appear in programs and expeditions)."""

from django.db import models

from config.models import AgencyType
from spacedevs.text_bounds import LONG_URL_LENGTH


class Agency(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    abbrev = models.CharField(max_length=255)
    type = models.ForeignKey(AgencyType, on_delete=models.PROTECT, related_name="agencies")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name


class MissionPatch(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    priority = models.IntegerField()
    image_url = models.URLField(max_length=LONG_URL_LENGTH)
    agency = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="mission_patches"
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "mission patches"

    def __str__(self):
        return self.name
