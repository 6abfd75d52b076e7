"""The log lines' formats, shared by Django's logging (settings.LOGGING) and gunicorn's own lines
(gunicorn_config.py): nothing of Django here, for gunicorn's master process loads it too."""

import datetime
import logging

import orjson

# What a request's line carries besides its message (spacedevs/request_log.py).
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "client")


class JSONFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, request id, the request's fields when it
    is a request's line, and the traceback when there is one."""

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update((name, getattr(record, name)) for name in REQUEST_FIELDS if hasattr(record, name))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()
