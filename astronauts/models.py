from django.db import models

from agencies.models import Agency
from config.models import AstronautStatus, Image


class Astronaut(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    status = models.ForeignKey(AstronautStatus, on_delete=models.PROTECT, related_name="astronauts")
    agency = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="astronauts"
    )
    image = models.ForeignKey(Image, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name
