"""The container's health check (spacedevs/probe.py) asks the server where BIND puts it, as gunicorn reads
BIND, and asks it directly, whatever proxy the environment names."""

import http.server
import os
import socketserver
import subprocess
import sys
import threading

import pytest

from spacedevs.probe import connection_to, is_ready

from .conftest import ROOT


class Ready(http.server.BaseHTTPRequestHandler):
    ready_path = "/ready/"

    def do_GET(self):
        self.send_response(200 if self.path == self.ready_path else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serving(server):
    # shutdown() waits for the loop to look again (every 0.5 s by default).
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    return server


class ReadyUnderMirror(Ready):
    ready_path = "/mirror/ready/"


@pytest.fixture(params=[Ready])
def tcp_server(request):
    server = serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), request.param))
    yield server
    server.shutdown()
    server.server_close()


def test_a_server_on_a_unix_socket_is_asked_there(tmp_path):
    path = str(tmp_path / "spacedevs.sock")
    server = serving(UnixHTTPServer(path, Ready))
    try:
        assert is_ready(f"unix:{path}")
    finally:
        server.shutdown()
        server.server_close()
    assert not is_ready(f"unix:{path}")  # nothing listens any more


@pytest.mark.parametrize(
    ("bind", "address"),
    [
        ("0.0.0.0", ("127.0.0.1", 8000)),  # gunicorn's own port when BIND names none
        ("0.0.0.0:9000", ("127.0.0.1", 9000)),
        ("[::]:9000", ("::1", 9000)),
        ("[::1]", ("::1", 8000)),
        ("10.0.0.5:8000", ("10.0.0.5", 8000)),
    ],
)
def test_a_server_on_every_interface_is_asked_on_loopback(bind, address):
    connection = connection_to(bind)
    assert (connection.host, connection.port) == address


def test_a_proxy_the_environment_names_is_not_used(tcp_server):
    port = tcp_server.server_address[1]
    proxy = "http://127.0.0.1:9"  # nothing there: a request through it fails
    environment = os.environ | {"BIND": f"127.0.0.1:{port}", "HTTP_PROXY": proxy, "http_proxy": proxy}
    probe = subprocess.run([sys.executable, "-m", "spacedevs.probe"], cwd=ROOT, env=environment)
    assert probe.returncode == 0


@pytest.mark.parametrize("tcp_server", [ReadyUnderMirror], indirect=True)
def test_the_server_is_asked_where_the_env_file_puts_it(tcp_server, tmp_path):
    # As gunicorn reads BIND, and the settings SCRIPT_NAME; the environment's own values would win.
    env_file = tmp_path / ".env"
    env_file.write_text(f"BIND=127.0.0.1:{tcp_server.server_address[1]}\nSCRIPT_NAME=/mirror\n")
    environment = {name: value for name, value in os.environ.items() if name not in ("BIND", "SCRIPT_NAME")}
    run_on = "import sys; from spacedevs.probe import main; main(sys.argv[1])"
    probe = [sys.executable, "-c", run_on, env_file]
    assert subprocess.run(probe, cwd=ROOT, env=environment).returncode == 0
    assert subprocess.run(probe, cwd=ROOT, env=environment | {"SCRIPT_NAME": ""}).returncode == 1
