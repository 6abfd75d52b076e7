"""The storage collectstatic writes with: compressed copies beside the files browsers load, made once for
each version of a file."""

import gzip
import os

from django.conf import settings
from django.utils.module_loading import import_string

TEXT = "function f() { return 1; }\n" * 100
NAMES = ("app.js", "app.js.map", "app.css")


def storage_at(path):
    """The project's static storage (STORAGES["staticfiles"]) over the folder `path`."""
    return import_string(settings.STORAGES["staticfiles"]["BACKEND"])(location=path)


def collected(tmp_path):
    """The storage over `tmp_path`, holding NAMES as collectstatic would have copied them."""
    for name in NAMES:
        (tmp_path / name).write_text(TEXT)
    return storage_at(tmp_path)


def compressed(storage, **options):
    """The compressed copies post-processing NAMES makes, as collectstatic runs it (with every file found)."""
    found = {name: (storage, name) for name in NAMES}
    return sorted(copy for _, copy, _ in storage.post_process(found, **options))


def later(path, seconds):
    """Give `path` a modification time `seconds` after its own (a file copied again later)."""
    moment = os.stat(path).st_mtime_ns + seconds * 1_000_000_000
    os.utime(path, ns=(moment, moment))


def test_files_browsers_load_are_compressed_but_source_maps(tmp_path):
    """Source maps, 7 of the 10 MB collected, are read by a browser's developer tools alone."""
    storage = collected(tmp_path)
    assert compressed(storage) == ["app.css.br", "app.css.gz", "app.js.br", "app.js.gz"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "app.css",
        "app.css.br",
        "app.css.gz",
        "app.js",
        "app.js.br",
        "app.js.gz",
        "app.js.map",
    ]


def test_a_file_is_compressed_again_only_once_written_again(tmp_path):
    storage = collected(tmp_path)
    compressed(storage)
    assert compressed(storage) == []  # bin/serve's next start: nothing changed
    (tmp_path / "app.js").write_text(TEXT.replace("1", "2"))
    later(tmp_path / "app.js", 1)
    assert compressed(storage) == ["app.js.br", "app.js.gz"]
    assert gzip.decompress((tmp_path / "app.js.gz").read_bytes()).decode() == TEXT.replace("1", "2")
    assert compressed(storage) == []


def test_a_file_with_one_copy_older_than_itself_is_compressed_again(tmp_path):
    storage = collected(tmp_path)
    compressed(storage)
    later(tmp_path / "app.css", 1)
    later(tmp_path / "app.css.gz", 1)  # its Brotli copy alone was left from before
    assert compressed(storage) == ["app.css.br", "app.css.gz"]


def test_a_dry_run_reads_no_file(tmp_path):
    # collectstatic --dry-run copied nothing there
    assert compressed(storage_at(tmp_path), dry_run=True) == []
