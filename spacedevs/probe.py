"""The container's health check: `python -m spacedevs.probe` exits 0 when the server on BIND is ready
(`/ready/` answers 200: it serves and reaches its database), 1 otherwise."""

import os
import sys
import urllib.request

TIMEOUT_SECONDS = 4


def ready_url(bind):
    """The /ready/ URL of a server bound to `bind` (host:port; all interfaces are asked on loopback)."""
    host, _, port = bind.rpartition(":")
    if host in ("0.0.0.0", "", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}/ready/"


def main():
    url = ready_url(os.environ.get("BIND", "127.0.0.1:8000"))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            ready = response.status == 200
    except OSError:
        ready = False
    sys.exit(0 if ready else 1)


if __name__ == "__main__":
    main()
