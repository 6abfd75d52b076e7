"""A TCP relay between a server under test and its database, that the test can stop, hang and start again:
the database's faults exactly as a client sees them, without stopping the database the other tests use."""

import contextlib
import socket
import threading
import time


class Relay:
    """Relays 127.0.0.1:`port` to `target` (host, port).

    - `stop()`: every relayed connection is cut and new ones are refused, as when the database is stopped;
    - `hang()`: connections are accepted and bytes read, but nothing is passed on either way, as when the
      database (or the network to it) hangs;
    - `start()`: relaying again; connections that hung are cut;
    - `withhold_ready(seconds)`: each PostgreSQL ReadyForQuery message from the server, the last of every
      answer, is held back `seconds` (what comes before it passes at once), as when the network stalls
      just before a server says it is done. Call it between queries (the relay then reads whole messages).
    """

    def __init__(self, target):
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._sockets = []
        self._lock = threading.Lock()
        self._ready_delay = None
        self._serve(self._listener)

    def stop(self):
        self._flowing.set()
        self._close(self._listener)  # shutting it down wakes the thread waiting in accept()
        self._cut_all()

    def hang(self):
        self._flowing.clear()

    def withhold_ready(self, seconds):
        self._ready_delay = seconds

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
            for source, destination, from_server in ((client, upstream, False), (upstream, client, True)):
                arguments = (source, destination, from_server)
                threading.Thread(target=self._pump, args=arguments, daemon=True).start()

    def _pump(self, source, destination, from_server):
        pending = b""
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                self._flowing.wait()
                if from_server and self._ready_delay is not None:
                    pending = self._pass_messages(pending + data, destination)
                else:
                    destination.sendall(data)
        for end in (source, destination):
            self._close(end)

    def _pass_messages(self, data, destination):
        """Passes the whole messages in `data` (a type byte, then their length), ReadyForQuery ('Z') late;
        returns the incomplete rest."""
        while len(data) >= 5:
            end = 1 + int.from_bytes(data[1:5], "big")
            if len(data) < end:
                break
            if data[:1] == b"Z":
                time.sleep(self._ready_delay)
            destination.sendall(data[:end])
            data = data[end:]
        return data

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
