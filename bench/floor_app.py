"""The transport floor: the API's own response bytes, served from memory by the least a WSGI app can do.

gunicorn runs it with the production settings (`--config python:spacedevs.gunicorn_config`, only the app
overridden), so that wrk measures everything but the application: sockets, HTTP parsing, gunicorn's worker
loop and headers. `BENCH_FLOOR_RESPONSES` names a pickle written by bench/servers.py:
{("<path>?<query>", Accept-Encoding or ""): (status line, [(header, value), …], body)}. The benchmark's
unique parameter (`bench=…`, always last) is cut off before the lookup, as the API ignores it.
"""

import os
import pickle

with open(os.environ["BENCH_FLOOR_RESPONSES"], "rb") as stored:
    RESPONSES = pickle.load(stored)
NOT_FOUND = ("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")], b"")


def application(environ, start_response):
    query = environ.get("QUERY_STRING", "")
    cut = query.find("bench=")
    if cut >= 0:
        query = query[:cut].rstrip("&")
    key = environ["PATH_INFO"] + (f"?{query}" if query else ""), environ.get("HTTP_ACCEPT_ENCODING", "")
    status, headers, body = RESPONSES.get(key, NOT_FOUND)
    start_response(status, headers)
    return [body]
