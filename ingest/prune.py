"""Pruning: the local events an LL2-compatible upstream no longer serves, found by a walk of its pages and
asked about again by id before they are deleted."""

from urllib.parse import urlencode

from events.models import Event

from .sync import PAGE_SIZE, IdFilterIgnored, delete_events, upstream_events
from .upstream import UpstreamError


class PruneRefused(Exception):
    """Pruning would not be safe: it would remove too much, or the upstream cannot be asked by id."""


class UpstreamIds(frozenset):
    """The event ids a walk of the upstream found, with the upstream, to ask again about the ids it missed."""

    def __new__(cls, ids, upstream):
        self = super().__new__(cls, ids)
        self.upstream = upstream
        return self


def upstream_event_ids(upstream, on_page=None):
    """Every event id the upstream serves, as far as a walk of its cheapest pages finds them.

    The walk asks for pages by offset, in date order, on the upstream's own URL (not at the `next` it
    gives, which could name another host, where the API key would go too). It may miss events: one
    deleted or added upstream during it, or one whose date moves past the walk, shifts the offsets of
    others. prune_events asks about each local event the walk did not find before deleting it
    (`still_upstream`), so a walk that changed under it need not be refused.
    """
    ids, offset = set(), 0
    while True:
        query = {"mode": "list", "limit": PAGE_SIZE} | ({"offset": offset} if offset else {})
        url = upstream.url(f"events/?{urlencode(query)}")
        page = upstream.get_page(url)
        try:
            ids.update(record["id"] for record in page["results"])
        except (KeyError, TypeError):
            raise UpstreamError(f"{url}: an event without an id") from None
        if on_page is not None:
            on_page(page)
        if page["next"] is None:
            return UpstreamIds(ids, upstream)
        offset += len(page["results"])
        if not page["results"] or offset >= page["count"]:
            raise UpstreamError(f"{url}: a next page past the events it counts (is offset ignored?)")


def still_upstream(upstream, candidates):
    """Those of the event ids `candidates` the upstream serves now (upstream_events)."""
    try:
        return set(upstream_events(upstream, candidates))
    except IdFilterIgnored as error:
        raise PruneRefused(f"{error}; not pruning") from None


def prune_events(upstream_ids, *, max_fraction, force=False):
    """Delete the local events the upstream no longer has; refuse more than `max_fraction` unless forced.

    The local events missing from `upstream_ids` are asked about again when it comes from
    upstream_event_ids, and only those the upstream does not serve now are deleted. The refusal counts
    them before that, spending no call on a prune it refuses.
    """
    local = set(Event.objects.values_list("id", flat=True))
    gone = local - upstream_ids
    if gone and not force and len(gone) > max_fraction * len(local):
        raise PruneRefused(
            f"{len(gone)} of {len(local)} local events are not upstream, more than {max_fraction:.0%}; "
            "not pruning without --force"
        )
    if gone and isinstance(upstream_ids, UpstreamIds):
        gone -= still_upstream(upstream_ids.upstream, gone)
    delete_events(gone)
    return len(gone)
