"""LL2 lookup tables (the ``/2.3.0/config/...`` resources): precisions, statuses, types, licenses, languages.

Tables with a ``*_WEIGHTS`` companion are drawn with those relative frequencies.
"""

NET_PRECISIONS = {
    abbrev: {"id": pid, "name": name, "abbrev": abbrev, "description": description}
    for pid, name, abbrev, description in (
        (0, "Second", "SEC", "The T-0 is accurate to the second."),
        (1, "Minute", "MIN", "The T-0 is accurate to the minute."),
        (2, "Hour", "HR", "The T-0 is accurate to the hour."),
        (5, "Day", "DAY", "The T-0 is accurate to the day."),
        (6, "Week", "WEEK", "The T-0 is accurate to the week."),
        (7, "Month", "MONTH", "The T-0 is accurate to the month."),
        (8, "Quarter 1", "Q1", "The T-0 is accurate to the first quarter of the year."),
        (14, "Year", "YEAR", "The T-0 is accurate to the year."),
    )
}

LAUNCH_STATUSES = {
    abbrev: {"id": sid, "name": name, "abbrev": abbrev, "description": description}
    for sid, name, abbrev, description in (
        (1, "Go for Launch", "Go", "Current T-0 confirmed by official or reliable sources."),
        (
            2,
            "To Be Determined",
            "TBD",
            "Current date is a 'No Earlier Than' estimation based on unreliable or interpreted sources.",
        ),
        (
            3,
            "Launch Successful",
            "Success",
            "The launch vehicle successfully inserted its payload(s) into the target orbit(s).",
        ),
        (
            4,
            "Launch Failure",
            "Failure",
            "Either the launch vehicle did not reach orbit, or the payload(s) failed to separate.",
        ),
        (
            7,
            "Launch was a Partial Failure",
            "Partial Failure",
            "The launch vehicle reached orbit, but the "
            "payload(s) were not inserted into the intended orbit(s).",
        ),
        (
            8,
            "To Be Confirmed",
            "TBC",
            "Awaiting official confirmation - current date is known with some certainty.",
        ),
        (9, "Payload Deployed", "Deployed", "The payload has been deployed from the launch vehicle."),
    )
}

IMAGE_LICENSES = (
    {"id": 1, "name": "Unknown", "priority": 9, "link": None},
    {"id": 2, "name": "CC BY 2.0", "priority": 5, "link": "https://creativecommons.org/licenses/by/2.0/"},
    {
        "id": 3,
        "name": "CC BY-SA 4.0",
        "priority": 5,
        "link": "https://creativecommons.org/licenses/by-sa/4.0/",
    },
    {
        "id": 4,
        "name": "NASA Image and Media Guidelines",
        "priority": 0,
        "link": "https://www.nasa.gov/nasa-brand-center/images-and-media/",
    },
    {
        "id": 5,
        "name": "ESA Standard License",
        "priority": 2,
        "link": "https://www.esa.int/ESA_Multimedia/Copyright_Notice_Images",
    },
    {
        "id": 6,
        "name": "SpaceX Flickr (CC0)",
        "priority": 1,
        "link": "https://creativecommons.org/publicdomain/zero/1.0/",
    },
)
IMAGE_LICENSE_WEIGHTS = (40, 8, 8, 30, 6, 8)

IMAGE_VARIANT_TYPES = (
    {"id": 1, "name": "Normal"},
    {"id": 2, "name": "Mobile"},
    {"id": 3, "name": "Social"},
    {"id": 4, "name": "Banner"},
)

AGENCY_TYPES = {
    name: {"id": tid, "name": name}
    for tid, name in (
        (1, "Government"),
        (2, "Multinational"),
        (3, "Commercial"),
        (4, "Educational"),
        (5, "Private"),
        (6, "Unknown"),
    )
}

VIDURL_TYPES = (
    {"id": 1, "name": "Official Webcast"},
    {"id": 2, "name": "Unofficial Webcast"},
    {"id": 3, "name": "In-depth Coverage"},
    {"id": 4, "name": "Recap"},
    {"id": 5, "name": "Press Conference"},
)
VIDURL_TYPE_WEIGHTS = (55, 20, 10, 8, 7)

INFOURL_TYPES = (
    {"id": 1, "name": "Official Page"},
    {"id": 2, "name": "Press Kit"},
    {"id": 3, "name": "Timeline"},
    {"id": 4, "name": "Wikipedia"},
)

LANGUAGES = (
    {"id": 1, "name": "English", "code": "en"},
    {"id": 2, "name": "Spanish", "code": "es"},
    {"id": 3, "name": "French", "code": "fr"},
    {"id": 4, "name": "German", "code": "de"},
    {"id": 5, "name": "Japanese", "code": "ja"},
    {"id": 6, "name": "Russian", "code": "ru"},
    {"id": 7, "name": "Chinese", "code": "zh"},
    {"id": 8, "name": "Portuguese", "code": "pt"},
)
LANGUAGE_WEIGHTS = (78, 5, 4, 3, 3, 3, 3, 1)

SPACE_STATION_STATUSES = {
    "Active": {"id": 1, "name": "Active"},
    "De-Orbited": {"id": 2, "name": "De-Orbited"},
}
SPACE_STATION_TYPE_GOVERNMENT = {"id": 2, "name": "Government"}

PROGRAM_TYPES = (
    {"id": 1, "name": "Robotic Exploration"},
    {"id": 2, "name": "Human Spaceflight"},
    {"id": 3, "name": "Commercial Services"},
    {"id": 4, "name": "Satellite Constellation"},
    {"id": 5, "name": "Technology Demonstration"},
)

ASTRONAUT_STATUSES = (
    {"id": 1, "name": "Active"},
    {"id": 2, "name": "Retired"},
    {"id": 3, "name": "In-Training"},
    {"id": 11, "name": "Deceased"},
)
ASTRONAUT_STATUS_WEIGHTS = (45, 40, 10, 5)
