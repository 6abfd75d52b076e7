import sys


def on_terminal(no_progress):
    """Whether a command draws a progress bar: on a terminal, unless told not to. Into a pipe or a file its
    redrawn frames are a log's garbage, and with stderr closed (`2>&-`) Python's is None."""
    return not no_progress and sys.stderr is not None and sys.stderr.isatty()
