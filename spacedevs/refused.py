"""Variables of the environment read and checked (numbers, switches, lists, database and Redis URLs,
hosts, origins, networks, rates), for the settings (spacedevs/settings.py) and gunicorn's configuration
(spacedevs/gunicorn_config.py): a value they refuse raises RefusedSetting, whose message names the variable
and what it takes, and is all that a start it stops prints, in one line: manage.py and gunicorn's
configuration say it so, not in a traceback."""

import ipaddress
import math
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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


SWITCH_VALUES = {"true": True, "on": True, "yes": True, "y": True, "ok": True, "1": True}
SWITCH_VALUES |= {"false": False, "off": False, "no": False, "n": False, "0": False}


def switch(name, default):
    """The variable `name` as true or false (django-environ's words for true, and their opposites, in any
    case), `default` when it is not set."""
    text = os.environ.get(name)
    if text is None:
        return default
    return switch_value(name, text)


def switch_value(name, text):
    """`text`, the value of `name`, as true or false (see switch())."""
    return SWITCH_VALUES[checked(name, text.strip().lower(), SWITCH_VALUES.__contains__, "true or false")]


def items(name, default):
    """The comma-separated items of the variable `name`, each stripped, none empty; `default` when it is not
    set."""
    text = os.environ.get(name)
    if text is None:
        return default
    return [item.strip() for item in text.split(",") if item.strip()]


DEFAULT_PORTS = {"http": 80, "https": 443}


def is_origin(text):
    """Whether `text` is an origin as a browser sends it (RFC 6454's serialization: a scheme and a host in
    lower case, an IP address in its canonical form, a port unless the scheme's default, nothing else), which
    django-cors-headers compares as written, or one of the values it takes besides (`null`, `file://`)."""
    if text in ("null", "file://"):
        return True
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a bracket left open, a port out of range
        return False
    host = parts.hostname
    if not (parts.scheme and host and host.isascii()) or any(character.isspace() for character in host):
        return False  # a name in Unicode goes as its punycode
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # A name whose last label is a number is an IPv4 address to a browser (`127.1`: 127.0.0.1).
        if re.fullmatch(r"[0-9]+|0x[0-9a-f]*", host.rsplit(".", 1)[-1]):
            return False
    else:
        host = f"[{address.compressed}]" if address.version == 6 else address.compressed
    shown = "" if port in (None, DEFAULT_PORTS.get(parts.scheme)) else f":{port}"
    return text == f"{parts.scheme}://{host}{shown}"


def is_script_name(text):
    """Whether `text` can be SCRIPT_NAME, the path the server is reached under: from `/`, without a slash at
    its end (taken whole out of a request's path, which must then start with one), of characters a path
    holds as they are (a proxy compares it with the path as sent, percent-encoded; Django would encode a
    `%` in it again in every link), or empty."""
    return not text or bool(re.fullmatch(r"(/[A-Za-z0-9._~!$&'*+,;=:@-]+)+", text))


def is_host_pattern(text):
    """Whether `text` is what ALLOWED_HOSTS takes, a host as a request's `Host` names it (Django's check of
    that): a name or an IPv4 address, a name with a leading `.` for its subdomains too, an IPv6 address in
    brackets, or `*`. Anything else (a comment after the value, a `;` between names, a port, a scheme)
    matches no request: every one was refused, and the probes, which no host limits, said all was well."""
    name = r"\.?[a-z0-9-]+(\.[a-z0-9-]+)*\.?"
    return text == "*" or bool(re.fullmatch(rf"{name}|\[[a-f0-9:.]+\]", text, re.IGNORECASE))


def is_network(text):
    """Whether `text` is an IP address or network (`10.0.0.7`, `10.0.0.0/8`, `fd00::/8`): no address bits
    past its prefix (`10.0.0.7/8` is a typo for one of two), IPv4 written as IPv4 (a connection's address
    mapped into IPv6 is read as IPv4)."""
    try:
        network = ipaddress.ip_network(text)
    except ValueError:
        return False
    return not (network.version == 6 and network.subnet_of(ipaddress.ip_network("::ffff:0:0/96")))


# The databases the project runs on, whose drivers it installs: PostgreSQL, and SQLite for local runs.
POSTGRESQL_ENGINE = "django.db.backends.postgresql"
DATABASE_KINDS = {
    POSTGRESQL_ENGINE: "a PostgreSQL URL like postgres://user:password@host:5432/name",
    "django.db.backends.sqlite3": "or an SQLite one like sqlite:////var/lib/spacedevs/db.sqlite3",
}
PASSWORD_ESCAPES = "(a password's / ? % as %2F %3F %25)"


def database(name, url, engines=tuple(DATABASE_KINDS)):
    """The settings of the database at `url`, from the variable `name`, one of `engines`; refused without
    showing the URL (its password; a `/` or `?` in it ends the host part early, and django-environ's error
    quotes the rest). django-environ reads URLs of other databases too, whose drivers are not installed:
    those failed in a traceback of Django's, once per worker."""
    try:
        config = environ.Env.db_url_config(url) if urlsplit(url).scheme in environ.Env.DB_SCHEMES else {}
    except ValueError:
        config = {}
    expected = " ".join([*(DATABASE_KINDS[engine] for engine in engines), PASSWORD_ESCAPES])
    checked(name, config.get("ENGINE"), engines.__contains__, expected, shown=False)
    return config | url_options(name, url)


# Django's own settings of a database that its URL may set, read as the variables of the same kind are:
# django-environ takes them as Python literals and keeps any other text as it is (`conn_max_age=600s` failed
# every request, `conn_health_checks=false` was true).
URL_SWITCHES = {"ATOMIC_REQUESTS", "AUTOCOMMIT", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"}


def url_max_age(label, text):
    """A database URL's `conn_max_age` (`label` names it): None (Django's: kept for ever), or seconds, 0 or
    more, a whole number kept as one (as django-environ read it)."""
    if text.strip().lower() == "none":
        return None
    seconds = numeric(label, text, lambda v: v >= 0, "0 seconds or more, or None", float)
    return int(seconds) if as_number(text, int) is not None else seconds


def url_options(name, url):
    """{setting: value} of the options Django's (CONN_MAX_AGE and URL_SWITCHES) in the database `url` of the
    variable `name`, each checked (the first, where one is given twice, as django-environ takes it)."""
    options = {}
    for key, values in parse_qs(urlsplit(url).query).items():
        setting, text, label = key.upper(), values[0], f"{name}'s {key}"
        if setting == "CONN_MAX_AGE":
            options[setting] = url_max_age(label, text)
        elif setting in URL_SWITCHES:
            options[setting] = switch_value(label, text)
    return options


def is_redis_url(location):
    """Whether redis-py reads each server of `location` (Django's Redis cache takes several, separated by `,`
    or `;`): a URL it does not read fails every request that uses the cache."""
    # Here, not at the top: a process without Redis (every command, on most machines) is spared its client.
    from redis.connection import parse_url as parse_redis_url

    try:
        for url in re.split("[;,]", location):
            parse_redis_url(url)
    except ValueError:
        return False
    return True


# DRF's notation of a request rate; a count of 0 would let nothing through, and fail doing so. (DRF reads
# only the period's first letter: `1000/month` would be a thousand a minute.)
RATE = re.compile(r"[1-9][0-9]*/(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)")
