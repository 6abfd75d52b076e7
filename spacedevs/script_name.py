"""The path the server is reached under (settings.SCRIPT_NAME, a proxy's `/mirror`), taken out of each
request's path here rather than by gunicorn: gunicorn answers a path outside it with its own HTML 500, before
any application sees it. gunicorn's workers therefore pass paths whole (spacedevs/gunicorn_config.py)."""


class ServedUnderScriptName:
    """WSGI middleware: a request's path under `prefix` (`/mirror/2.3.0/…`, from a proxy that forwards the
    path whole) is served with the prefix as its script name; a path outside it (`/2.3.0/…`, from a proxy that
    strips the prefix) is served as the path under it, its links written under the prefix. A server that has
    set a script name itself keeps it."""

    def __init__(self, application, prefix):
        self.application = application
        self.prefix = prefix

    def __call__(self, environ, start_response):
        if self.prefix and not environ.get("SCRIPT_NAME"):
            environ["SCRIPT_NAME"] = self.prefix
            path = environ.get("PATH_INFO", "")
            if path == self.prefix or path.startswith(f"{self.prefix}/"):
                environ["PATH_INFO"] = path[len(self.prefix) :]
        return self.application(environ, start_response)
