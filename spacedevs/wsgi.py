"""The WSGI application gunicorn serves: Django's, behind the replay of cached responses
(spacedevs/replay.py), behind the check of who may send forwarded headers (spacedevs/addresses.py), for
the host HTTP/1.1 says a request is for (spacedevs/request_host.py), under the path the server is reached
at (spacedevs/script_name.py)."""

import logging
import os

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedevs.settings")

django.setup(set_prefix=False)  # get_wsgi_application(), in two steps
# From here on, in the logging Django has just configured, Python's warnings (loading the middleware among
# others) are log lines in the log's format: printed as they are, they would break a stream of JSON lines.
# Only in the server: commands log to stdout too, where one may write data (generate_events > events.json).
logging.captureWarnings(True)
django_application = WSGIHandler()

from .addresses import ForwardedByProxiesAlone  # noqa: E402
from .replay import ReplayedResponses  # noqa: E402 (needs the apps loaded)
from .request_host import HostAsHTTPDefinesIt  # noqa: E402
from .script_name import ServedUnderScriptName  # noqa: E402

application = ServedUnderScriptName(
    HostAsHTTPDefinesIt(
        ForwardedByProxiesAlone(ReplayedResponses(django_application), settings.TRUSTED_PROXY_ADDRESSES)
    ),
    settings.SCRIPT_NAME,
)
