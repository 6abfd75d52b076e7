"""The storage collectstatic writes static files with."""

import os

from whitenoise.storage import CompressedStaticFilesStorage

SAME_MOMENT_NS = 1_000_000  # a millisecond


class CompressedWhenChangedStorage(CompressedStaticFilesStorage):
    """WhiteNoise's compressed storage (gzip and Brotli copies beside each file, served to clients that accept
    them), compressing only the files written since their compressed copies were.

    collectstatic copies the files that changed alone, but hands post-processing every file it found, and
    WhiteNoise compressed them all again: 5 s of CPU on both cores at every start of bin/serve, where a
    file is compressed once now. A file is compressed again when one of its copies is older than it, and
    each time when it has none (WhiteNoise drops a copy that saves too little)."""

    def post_process(self, paths, dry_run=False, **options):
        if not dry_run:  # nothing was copied then, nor is compressed
            paths = {name: found for name, found in paths.items() if not self._compressed_since_written(name)}
        return super().post_process(paths, dry_run=dry_run, **options)

    def _compressed_since_written(self, name):
        # WhiteNoise gives a copy its file's modification time, set through a float (to a fraction of a µs).
        written = os.stat(self.path(name)).st_mtime_ns - SAME_MOMENT_NS
        copies = [self.path(name + suffix) for suffix in (".gz", ".br")]
        made = [os.stat(copy).st_mtime_ns for copy in copies if os.path.exists(copy)]
        return bool(made) and min(made) >= written
