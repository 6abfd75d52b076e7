"""Content negotiation that answers an unknown `?format=` as any other bad parameter, and weighs `Accept`'s
q-values."""

from rest_framework.exceptions import NotAcceptable, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.mediatypes import _MediaType


class NamedFormatNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, but a `?format=` that none of the view's renderers gives is a 400 naming the
    parameter and the view's formats, where DRF answers a bare 404. A format suffix in the path (`352.xml`)
    is still a 404: no such path.

    DRF ranks the media types of `Accept` by how specific they are and never reads their q-values: a client
    saying `text/html;q=0, */*` (anything but HTML) got the browsable page. Where `Accept` gives q-values,
    each renderer takes the q of the most specific range that matches its type (RFC 9110 §12.5.1): those
    given 0 are not acceptable, and DRF chooses among those given the highest. A `?format=` or a suffix
    chooses as before."""

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        asked = None if format_suffix or not name else request.query_params.get(name)
        formats = list(dict.fromkeys(renderer.format for renderer in renderers))
        if asked and asked not in formats:
            raise ValidationError(
                {name: [f"'{asked}' is not a valid format; valid formats are: {', '.join(formats)}."]}
            )
        if not (format_suffix or asked) and "q=" in request.META.get("HTTP_ACCEPT", ""):
            renderers = self._most_wanted(request, renderers)
        return super().select_renderer(request, renderers, format_suffix)

    def _most_wanted(self, request, renderers):
        """The renderers whose type `Accept` gives the highest q-value, above 0 (NotAcceptable if none)."""
        ranges = [_MediaType(token) for token in self.get_accept_list(request)]
        wanted = {}
        for renderer in renderers:
            own = _MediaType(renderer.media_type)
            matching = [media_range for media_range in ranges if own.match(media_range)]
            if matching:
                wanted[renderer] = _quality(max(matching, key=lambda media_range: media_range.precedence))
        best = max(wanted.values(), default=0)
        if best <= 0:
            raise NotAcceptable(available_renderers=renderers)
        return [renderer for renderer in renderers if wanted.get(renderer) == best]


def _quality(media_range):
    """The q-value of a media range: 1 without one, or with one that is no number from 0 to 1 (ignored)."""
    try:
        quality = float(media_range.params.get("q", 1))
    except ValueError:
        return 1.0
    return quality if 0 <= quality <= 1 else 1.0
