"""The container's health check: `python -m spacedevs.probe` exits 0 when the server on BIND is ready
(`/ready/` answers 200: it serves and reaches its database), 1 otherwise; BIND and SCRIPT_NAME from the
environment or `.env`, as the server reads them."""

import http.client
import os
import socket
import sys

from gunicorn.util import parse_address

from spacedevs.refused import ENV_FILE, read_env_file

TIMEOUT_SECONDS = 4
# The address a server listening on every interface is asked on.
LOOPBACK = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over the Unix socket at `path`."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def connection_to(bind):
    """A connection to the server bound to `bind`, read as gunicorn reads it (host, host:port, [v6]:port,
    unix:path), made directly: not through a proxy the environment names for the sync's calls."""
    address = parse_address(bind)
    if isinstance(address, str):
        return UnixHTTPConnection(address, TIMEOUT_SECONDS)
    host, port = address
    return http.client.HTTPConnection(LOOPBACK.get(host, host), port, timeout=TIMEOUT_SECONDS)


def is_ready(bind, script_name=""):
    """Whether the server bound to `bind` answers `/ready/` with 200, under the path it is reached at
    (`script_name`, SCRIPT_NAME), as a proxy forwarding it whole asks."""
    connection = connection_to(bind)
    try:
        connection.request("GET", f"{script_name}/ready/")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def main(env_file=ENV_FILE):
    read_env_file(env_file)  # as gunicorn's configuration reads BIND, and the settings SCRIPT_NAME
    ready = is_ready(os.environ.get("BIND", "127.0.0.1:8000"), os.environ.get("SCRIPT_NAME", ""))
    sys.exit(0 if ready else 1)


if __name__ == "__main__":
    main()
