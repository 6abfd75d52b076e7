import datetime


def iso_utc(moment):
    """`moment` to the second in ISO 8601 in UTC, as the API writes its times: `2026-12-05T22:15:07Z`."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
