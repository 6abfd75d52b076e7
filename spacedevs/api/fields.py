"""Small fields for LL2's representations."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def compact_iso_duration(value):
    """`PT1H5M34S` style (days kept as days, as LL2 does); zero is `P0D`."""
    sign = "-" if value.total_seconds() < 0 else ""
    value = abs(value)
    hours, remainder = divmod(value.seconds, 3600)
    minutes, seconds = divmod(remainder, 60)
    if value.microseconds:
        seconds = f"{seconds}.{value.microseconds:06d}".rstrip("0")
    date_part = f"{value.days}D" if value.days else ""
    time_part = "".join(
        f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if amount
    )
    if not date_part and not time_part:
        return "P0D"
    return f"{sign}P{date_part}{'T' + time_part if time_part else ''}"


@extend_schema_field({"type": "string", "nullable": True, "example": "PT1H5M34S"})
class DurationField(serializers.Field):
    """A timedelta rendered as compact ISO 8601, or null."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return compact_iso_duration(value)


class LinkField(serializers.HyperlinkedIdentityField):
    """The object's own `url`: absolute when rendered for a request (keeping its `?format=`), and its path
    when rendered without one (the shell, a script), instead of DRF's assertion error; a stored document's
    path follows the context's `link_prefix` (see stored.py)."""

    def to_representation(self, value):
        if self.context.get("request") is None:
            return self.context.get("link_prefix", "") + self.get_url(value, self.view_name, None, None)
        return super().to_representation(value)
