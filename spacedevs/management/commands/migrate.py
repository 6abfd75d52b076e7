from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import OperationalError, connections

from spacedevs.faults import first_line


class Command(migrate.Command):
    """Django's `migrate`, whose database that cannot be reached (not there, refusing the connection, a file
    that cannot be opened) is one line naming why, as the other commands say it, not a traceback: the first
    thing `bin/serve` and the Compose file's `migrate` run."""

    def handle(self, *args, **options):
        try:
            connections[options["database"]].ensure_connection()
        except OperationalError as error:
            raise CommandError(first_line(error)) from None
        return super().handle(*args, **options)
