"""The path the server is reached under, taken out of each request's path (spacedevs/script_name.py); served
by gunicorn under it: tests/test_production.py."""

import pytest

from spacedevs.script_name import ServedUnderScriptName


def served(prefix, environ):
    """The script name and path the application behind ServedUnderScriptName(prefix) is given."""
    seen = {}

    def application(environ, start_response):
        seen.update(script=environ.get("SCRIPT_NAME"), path=environ["PATH_INFO"])
        return [b""]

    ServedUnderScriptName(application, prefix)(environ, None)
    return seen["script"], seen["path"]


@pytest.mark.parametrize(
    ("path", "script", "path_under_it"),
    [
        ("/mirror/2.3.0/events/", "/mirror", "/2.3.0/events/"),  # forwarded whole
        ("/mirror", "/mirror", ""),
        ("/2.3.0/events/", "/mirror", "/2.3.0/events/"),  # from a proxy that strips it
        ("/mirrored/2.3.0/", "/mirror", "/mirrored/2.3.0/"),  # another path's first segment
        ("/", "/mirror", "/"),
    ],
)
def test_a_path_is_served_under_the_prefix(path, script, path_under_it):
    assert served("/mirror", {"PATH_INFO": path}) == (script, path_under_it)


def test_a_script_name_the_server_set_is_kept():
    environ = {"SCRIPT_NAME": "/mirror", "PATH_INFO": "/mirror/2.3.0/"}
    assert served("/mirror", environ) == ("/mirror", "/mirror/2.3.0/")


@pytest.mark.parametrize("environ", [{"PATH_INFO": "/2.3.0/"}, {"SCRIPT_NAME": "", "PATH_INFO": "/2.3.0/"}])
def test_without_a_prefix_paths_are_served_as_given(environ):
    assert served("", environ) == (environ.get("SCRIPT_NAME"), "/2.3.0/")
