import datetime
import math
import os
import re
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from ingest.errors import IngestError
from ingest.management.progress import on_terminal
from ingest.models import SyncCheckpoint
from ingest.prune import PruneRefused
from ingest.service import Mirror, Pass, logger
from ingest.sync import CHECKPOINT_OVERLAP, PAGE_SIZE, SyncBusy
from ingest.upstream import (
    LL2_BASE_URL,
    Budget,
    Retry,
    SyncStopped,
    UnreachableError,
    Upstream,
    UpstreamError,
    tls_context,
    without_credentials,
)
from ingest.values import parse_datetime
from spacedevs.faults import first_line
from spacedevs.models import DataState

USAGE = 2
STOPPED = 128 + signal.SIGTERM
INTERRUPTED = 128 + signal.SIGINT
DEFAULT_RATE = "15/3600"
# What an Authorization header's credentials may hold (RFC 9110's token68): an API key is sent as it is.
TOKEN68 = re.compile(r"[A-Za-z0-9._~+/-]+=*")


def since_value(text):
    """`auto`, `all`, or an ISO 8601 date or date-time (UTC unless it says otherwise)."""
    if text in ("auto", "all"):
        return text
    try:
        return parse_datetime(text if "T" in text else f"{text}T00:00:00Z")
    except IngestError:
        raise ValueError(f"--since: expected auto, all or an ISO 8601 date, got {text!r}") from None


def rate_value(text):
    """--rate: CALLS/SECONDS, as a Budget, or None when not given."""
    try:
        return Budget.parse(text) if text else None
    except ValueError as error:
        raise ValueError(f"--rate: {error}") from None


def check_seconds(options):
    """The options that are numbers of seconds: finite, and positive (the backoff may be 0); a timeout or
    a pause between polls no longer than a wait can take."""
    for name, positive in (("timeout", True), ("watch", True), ("retry_base", False)):
        value = options[name]
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            bound = "a positive number of seconds" if positive else "a number of seconds at least 0"
            raise ValueError(f"{flag}: expected {bound}, got {value:g}")
        if positive and value > threading.TIMEOUT_MAX:
            raise ValueError(f"{flag}: expected at most {threading.TIMEOUT_MAX:.0f} seconds, got {value:g}")


def check_retries(options):
    """--retries: the attempts at each call, the first among them (0 was taken for 1, without a word)."""
    if options["retries"] < 1:
        raise ValueError(f"--retries: expected a number of attempts at least 1, got {options['retries']}")


def check_prune_fraction(options):
    """--max-prune-fraction: a fraction of the local events, from 0 to 1."""
    value = options["max_prune_fraction"]
    if not 0 <= value <= 1:  # NaN too, which would let any prune through
        raise ValueError(f"--max-prune-fraction: expected a number from 0 to 1, got {value:g}")


def checked_token(token):
    """--token (or LL2_API_TOKEN): the key without the white space around it (a secret read from a file or a
    .env written on Windows ends with a line break), or None for none (the Compose file passes an empty
    LL2_API_TOKEN when no key is set). Refused, and never repeated, unless it is a token68 (RFC 9110), what
    an Authorization header's credentials are: a key that is no header value at all was shown whole by the
    HTTP client's error, in every retry's log line."""
    key = (token or "").strip()
    if not key:
        return None
    if not TOKEN68.fullmatch(key):
        raise ValueError(
            "--token (LL2_API_TOKEN): expected an API key of letters, digits and - . _ ~ + / (= at its end); "
            "it holds other characters (not shown: it is a secret)"
        )
    return key


def check_base_url(options, token):
    """--base-url: as it is stored (without a user and password), no longer than the fields it is stored in
    (the checkpoint's, the data state's); its user and password readable, never repeated in a message; not
    with a `token` (one Authorization header)."""
    longest = min(
        SyncCheckpoint._meta.get_field("upstream").max_length,
        DataState._meta.get_field("synced_from").max_length,
    )
    stored, auth = without_credentials(options["base_url"].rstrip("/"))
    if "@" in stored:  # a user or password with / ? # as they are, or a URL past reading
        raise ValueError(
            "--base-url: an @ must be percent-encoded (%40) but the one ending a user and password, "
            "whose / ? # @ : must be too (%2F %3F %23 %40 %3A)"
        )
    if auth is not None and token:
        raise ValueError("--base-url's user and password, or --token (LL2_API_TOKEN): not both")
    if len(stored) > longest:
        raise ValueError(f"--base-url: expected at most {longest} characters, got {len(stored)}")


def budget_eta(total, budget):
    """The least time `budget` allows for `total` events in pages of PAGE_SIZE, or None past what a timedelta
    holds (a count of events in the quadrillions)."""
    pages = -(-total // PAGE_SIZE)
    try:
        return datetime.timedelta(seconds=round(max(0, pages - 1) * budget.interval))
    except OverflowError:
        return None


def taken_up(mirror, message):
    """`message`, with how to take up the run if the mirror had begun one (Mirror.taken_up)."""
    return message if mirror is None else mirror.taken_up(message)


def group_status(checkpoint):
    """Where the checkpoint's run stands in a group of events sharing a last_updated (sync_events)."""
    dated = f"from date {checkpoint.group_dated}" if checkpoint.group_dated else "from its first page"
    return f"the events updated at {checkpoint.group_from}, read on {dated}"


class Command(BaseCommand):
    help = (
        "Fill and keep current this mirror from LL2 (or any LL2-compatible server), within its rate limit. "
        "Each page is imported in one transaction with the sync checkpoint: an interrupted sync resumes "
        "where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default=LL2_BASE_URL, help=f"the upstream API (default {LL2_BASE_URL})"
        )
        parser.add_argument("--token", help="an LL2 API key (default: $LL2_API_TOKEN)")
        parser.add_argument(
            "--since",
            default="auto",
            help=f"auto: from the checkpoint, less {CHECKPOINT_OVERLAP.seconds // 60} minutes (default); "
            "all: everything; or an ISO date",
        )
        parser.add_argument(
            "--watch", type=float, metavar="SECONDS", help="keep polling, SECONDS apart (default: one pass)"
        )
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="each pass, read again the first 100 events dated from a day ago on (a call, and any about "
            "slugs): what they embed (a launch's status) can change upstream while their last_updated stays",
        )
        parser.add_argument("--prune", action="store_true", help="delete local events gone upstream")
        parser.add_argument(
            "--max-prune-fraction",
            type=float,
            default=0.1,
            help="never prune more than this fraction (0 to 1) of the local events without --force "
            "(default 0.1)",
        )
        parser.add_argument("--force", action="store_true", help="prune beyond --max-prune-fraction")
        parser.add_argument(
            "--rate",
            help=(
                "calls/seconds to stay within when the upstream states no limit: it has no /api-throttle/ "
                f"(default {DEFAULT_RATE}, LL2's anonymous limit), or states none there (default: no spacing)"
            ),
        )
        parser.add_argument(
            "--timeout", type=float, default=30.0, help="seconds per call, its answer included (default 30)"
        )
        parser.add_argument(
            "--retries", type=int, default=6, help="attempts per call, the first among them (default 6)"
        )
        parser.add_argument(
            "--retry-base",
            type=float,
            default=1.0,
            help="first backoff in seconds (default 1)",
        )
        parser.add_argument("--status", action="store_true", help="print the checkpoints and exit")
        parser.add_argument(
            "--no-progress", action="store_true", help="plain log lines, never a progress bar"
        )

    def handle(self, *args, **options):
        self.options = options
        if options["status"]:
            try:
                return self.print_status()
            except DatabaseError as error:  # a database not migrated, or not there
                raise CommandError(first_line(error)) from None
        try:
            since = since_value(options["since"])
            rate = rate_value(options["rate"])
            check_seconds(options)
            check_retries(options)
            check_prune_fraction(options)
            token = checked_token(options["token"] or os.environ.get("LL2_API_TOKEN"))
            check_base_url(options, token)
            tls_context()
        except ValueError as error:
            raise CommandError(str(error), returncode=USAGE) from None
        self.stopping = threading.Event()
        # Before any call: the first (the upstream's /api-throttle/) can take up to --timeout.
        previous_handler = signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
        upstream = mirror = None
        try:
            upstream = Upstream(
                options["base_url"],
                token=token,
                fallback_budget=rate or Budget.parse(DEFAULT_RATE),
                unlimited_budget=rate,
                retry=Retry(attempts=options["retries"], base=options["retry_base"]),
                timeout=options["timeout"],
                sleep=self.wait,
                stopped=self.stopping.is_set,
                log=self.log,
            )
            mirror = Mirror(
                upstream,
                each_pass=Pass(
                    refresh=options["refresh"],
                    prune=options["prune"],
                    max_prune_fraction=options["max_prune_fraction"],
                    force=options["force"],
                ),
                watch=options["watch"],
                stopping=self.stopping,
                progress=lambda total: self.progress(total, upstream),
                report=self.report,
            )
            mirror.serve(since)
        except SyncStopped:
            self.log(taken_up(mirror, "stopped"))
            if not options["watch"]:  # a run cut short is no success: 128 + SIGTERM, as a shell has it
                message = taken_up(mirror, "stopped (SIGTERM) before the sync was done")
                raise CommandError(message, returncode=STOPPED) from None
        except KeyboardInterrupt:
            message = "interrupted: the pages imported before are whole (a page under way is not)"
            raise CommandError(taken_up(mirror, message), returncode=INTERRUPTED) from None
        except SyncBusy as error:
            raise CommandError(str(error)) from None
        except UnreachableError as error:
            raise CommandError(taken_up(mirror, str(error)), returncode=USAGE) from None
        except (UpstreamError, IngestError, PruneRefused) as error:
            raise CommandError(taken_up(mirror, str(error))) from None
        except DatabaseError as error:
            raise CommandError(taken_up(mirror, first_line(error))) from None
        finally:
            if upstream is not None:
                upstream.close()
            signal.signal(signal.SIGTERM, previous_handler)

    def report(self, text):
        """What a pass did: the command's result, on stdout; under --watch, a service's line in its log."""
        if self.options["watch"]:
            logger.info(text)
        else:
            self.stdout.write(self.style.SUCCESS(text))

    def progress(self, total, upstream):
        """A bar on a terminal (its ETA at least what the rate budget allows, if a timedelta can hold it);
        plain log lines otherwise."""
        interactive = on_terminal(self.options["no_progress"])
        bar = tqdm(total=total, unit="event", desc="sync", disable=not interactive)
        eta = budget_eta(total, upstream.budget)
        if eta is not None:
            bar.set_postfix_str(f"budget ETA ≥ {eta}")
        return bar

    def wait(self, seconds):
        """Sleep between calls, unless SIGTERM comes first: then stop before the next call. (A budget can ask
        for longer than a wait can take: that is as good as for ever.)"""
        if self.stopping.wait(min(seconds, threading.TIMEOUT_MAX)):
            raise SyncStopped()

    def log(self, message):
        logger.info(message)

    def print_status(self):
        checkpoints = SyncCheckpoint.objects.all()
        if not checkpoints:
            self.stdout.write("never synced")
        for checkpoint in checkpoints:
            self.stdout.write(
                f"{checkpoint.upstream}\n"
                f"  last_updated: {checkpoint.last_updated or '-'} (event {checkpoint.last_id or '-'})\n"
                f"  last success: {checkpoint.last_success or '-'}\n"
                f"  last error:   {checkpoint.last_error or '-'}"
                + (f" ({checkpoint.last_error_at})" if checkpoint.last_error_at else "")
                + (f"\n  in a group:   {group_status(checkpoint)}" if checkpoint.group_from else "")
            )
