"""The WSGI application gunicorn serves: Django's, behind the replay of cached responses
(spacedevs/replay.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedevs.settings")

django_application = get_wsgi_application()

from .replay import ReplayedResponses  # noqa: E402 (needs the apps loaded)

application = ReplayedResponses(django_application)
