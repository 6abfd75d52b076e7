"""Rows that keep their place in a list: LL2 returns related lists in a meaningful order, so it is kept.

Each owner has an abstract base with its foreign key (`EventRow`, `ProgramRow`, …); the through models of
ordered many-to-manys and the child rows an object owns (video URLs, updates, image variants) extend it.
"""

from django.db import models


class PositionedRow(models.Model):
    """A row at `position` (0, 1, …) in its owner's list."""

    position = models.PositiveIntegerField()

    class Meta:
        abstract = True
        ordering = ["position"]


def unique_position(owner_field):
    """One row per place in each owner's list."""
    return models.UniqueConstraint(
        fields=[owner_field, "position"], name="%(app_label)s_%(class)s_unique_position"
    )
