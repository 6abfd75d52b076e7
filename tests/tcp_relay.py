"""A TCP relay between a server under test and its database, that the test can stop, hang and start again:
the database's faults exactly as a client sees them, without stopping the database the other tests use."""

import contextlib
import socket
import threading


class Relay:
    """Relays 127.0.0.1:`port` to `target` (host, port).

    - `stop()`: every relayed connection is cut and new ones are refused, as when the database is stopped;
    - `hang()`: connections are accepted and bytes read, but nothing is passed on either way, as when the
      database (or the network to it) hangs;
    - `start()`: relaying again; connections that hung are cut.
    """

    def __init__(self, target):
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._sockets = []
        self._lock = threading.Lock()
        self._serve(self._listener)

    def stop(self):
        self._flowing.set()
        self._close(self._listener)  # shutting it down wakes the thread waiting in accept()
        self._cut_all()

    def hang(self):
        self._flowing.clear()

    def start(self):
        self._cut_all()
        if self._listener.fileno() == -1:
            self._listener = socket.create_server(("127.0.0.1", self.port))
            self._serve(self._listener)
        self._flowing.set()

    def _serve(self, listener):
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            self._track(client)
            if not self._flowing.is_set():
                continue  # hung: held open, never answered
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self._track(upstream)
            for source, destination in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, destination), daemon=True).start()

    def _pump(self, source, destination):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                self._flowing.wait()
                destination.sendall(data)
        for end in (source, destination):
            self._close(end)

    def _track(self, connection):
        with self._lock:
            self._sockets.append(connection)

    def _cut_all(self):
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for connection in sockets:
            self._close(connection)

    @staticmethod
    def _close(connection):
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
        connection.close()
