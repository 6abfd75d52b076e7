import datetime

import pytest

from spacedevs.api.fields import compact_iso_duration


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime.timedelta(hours=1, minutes=5, seconds=34), "PT1H5M34S"),
        (datetime.timedelta(0), "P0D"),
        (datetime.timedelta(hours=6, minutes=30), "PT6H30M"),
        (datetime.timedelta(days=1, hours=2), "P1DT2H"),
        (datetime.timedelta(days=3), "P3D"),
        (datetime.timedelta(seconds=5, microseconds=500000), "PT5.5S"),
        (datetime.timedelta(minutes=-5), "-PT5M"),
    ],
)
def test_compact_iso_duration(value, text):
    assert compact_iso_duration(value) == text
