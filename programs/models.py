from django.db import models

from agencies.models import Agency, MissionPatch
from config.models import Image, ProgramType
from spacedevs.positions import PositionedRow, unique_position


class Program(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    image = models.ForeignKey(Image, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    info_url = models.URLField(max_length=200, null=True, blank=True)
    wiki_url = models.URLField(max_length=200, null=True, blank=True)
    description = models.TextField(max_length=40000, null=True, blank=True)
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    type = models.ForeignKey(ProgramType, on_delete=models.PROTECT, related_name="programs")
    agencies = models.ManyToManyField(Agency, through="ProgramAgency", related_name="programs")
    mission_patches = models.ManyToManyField(
        MissionPatch, through="ProgramMissionPatch", related_name="programs"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class ProgramRow(PositionedRow):
    program = models.ForeignKey(Program, on_delete=models.CASCADE)

    class Meta(PositionedRow.Meta):
        abstract = True
        constraints = [unique_position("program")]


class ProgramAgency(ProgramRow):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE)


class ProgramMissionPatch(ProgramRow):
    mission_patch = models.ForeignKey(MissionPatch, on_delete=models.CASCADE)
