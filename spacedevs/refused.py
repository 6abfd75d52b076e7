"""Variables of the environment read and checked, for the settings (spacedevs/settings.py) and gunicorn's
configuration (spacedevs/gunicorn_config.py): a value they refuse raises RefusedSetting, whose message names
the variable and what it takes, and is all that a start it stops prints, in one line: manage.py and
gunicorn's configuration say it so, not in a traceback."""

import math
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def read_env_file(path=ENV_FILE):
    """The variables of the `.env` file beside manage.py, put in the environment where it does not set them:
    every process of the project reads its settings so (Django's settings, gunicorn's, the health probe)."""
    environ.Env.read_env(path, overwrite=False)


class RefusedSetting(ImproperlyConfigured):
    """A value of the environment that the settings do not take, named in the message."""


def checked(name, value, valid, expected, shown=True):
    """`value` of the setting `name`, if `valid(value)`: a value that would fail later (a 500 on the first
    request that uses it) or silently (a limit that is none) stops the start, saying what is `expected`,
    and the value unless it is not to be `shown` (a URL may hold a password)."""
    if not valid(value):
        raise RefusedSetting(f"{name} must be {expected}" + (f", not {value!r}" if shown else ""))
    return value


NUMBER_KINDS = {int: "a whole number", float: "a number"}


def number(name, default, valid, expected, kind=int):
    """The variable `name` read by `kind` (int or float) (numeric()), `default` when it is not set."""
    text = os.environ.get(name)
    return default if text is None else numeric(name, text, valid, expected, kind)


def numeric(name, text, valid, expected, kind=int):
    """`text`, the value of `name`, read by `kind`; checked() that it is a finite number and `valid`."""
    value = as_number(text, kind)
    checked(name, text, lambda _: value is not None and valid(value), f"{NUMBER_KINDS[kind]}, {expected}")
    return value


def as_number(text, kind):
    """`text` read by `kind`, or None when that is not a finite number."""
    try:
        value = kind(text)
        return value if math.isfinite(value) else None
    except (ValueError, OverflowError):  # not a number; an int past a float's range
        return None
