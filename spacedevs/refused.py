"""A variable's value that the settings refuse (spacedevs/settings.py). Its message names the variable and
what it takes, and is all that a start it stops prints, in one line: manage.py and gunicorn's configuration
(spacedevs/gunicorn_config.py) say it so, not in a traceback."""

from django.core.exceptions import ImproperlyConfigured


class RefusedSetting(ImproperlyConfigured):
    """A value of the environment that the settings do not take, named in the message."""
