"""Constants shared by the generator: API bases, time units and date range, field limits and pool sizes."""

from datetime import UTC, datetime

API_BASE = "https://ll.thespacedevs.com/2.3.0"
MEDIA_BASE = "https://thespacedevs-prod.nyc3.digitaloceanspaces.com/media"

DATE_START = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
DATE_END = int(datetime(2036, 1, 1, tzinfo=UTC).timestamp())
REFERENCE_NOW = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())

MINUTE = 60
HOUR = 3600
DAY = 86400

SLUG_MAX_LENGTH = 100
NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2048
EVENT_IMAGE_ID_OFFSET = 10_000_000

AGENCY_COUNT = 60
PROGRAM_COUNT = 20
ASTRONAUT_COUNT = 200
LAUNCH_COUNT = 5000
