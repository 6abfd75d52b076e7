#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedevs.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    from spacedevs.refused import RefusedSetting

    try:
        execute_from_command_line(sys.argv)
    except RefusedSetting as refused:
        sys.exit(str(refused))  # the variable and what it takes, in one line


if __name__ == "__main__":
    main()
