"""The project's own checks of a production configuration, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core import checks

FORWARDED_FROM_ANYONE = checks.Warning(
    "Forwarded headers (X-Forwarded-For, -Proto, -Host) are believed from any connection: a client that "
    "reaches the server past its proxy chooses the address it is counted and logged as.",
    hint="Name the proxies' addresses or networks in TRUSTED_PROXY_ADDRESSES (production.env's: the "
    "private networks).",
    id="spacedevs.W001",
)


@checks.register(checks.Tags.security, deploy=True)
def forwarded_headers_from_proxies_alone(app_configs, **kwargs):
    """Behind proxies (TRUSTED_PROXIES, TRUST_X_FORWARDED_PROTO, USE_X_FORWARDED_HOST), their headers are
    read from their connections alone (TRUSTED_PROXY_ADDRESSES)."""
    believes = settings.TRUSTED_PROXIES or settings.SECURE_PROXY_SSL_HEADER or settings.USE_X_FORWARDED_HOST
    return [FORWARDED_FROM_ANYONE] if believes and not settings.TRUSTED_PROXY_ADDRESSES else []
