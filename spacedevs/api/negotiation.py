"""Content negotiation that answers an unknown `?format=` as any other bad parameter, and weighs `Accept`'s
q-values."""

from rest_framework.exceptions import NotAcceptable, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.mediatypes import _MediaType


class NamedFormatNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, but a `?format=` that none of the view's renderers gives is a 400 naming the
    parameter and the view's formats, where DRF answers a bare 404, also beside a format suffix (which
    chooses, as in DRF). A format suffix in the path (`352.xml`) is still a 404: no such path.

    DRF ranks the media types of `Accept` by how specific they are and never reads their q-values: a client
    saying `text/html;q=0, */*` (anything but HTML) got the browsable page. Where `Accept` gives q-values,
    each renderer takes the highest q of its variants (RFC 9110 §12.5.1): its plain type weighed by the
    most specific range without parameters that matches it, each range with parameters (`indent=4`) a
    variant of its own. Those at 0 are not acceptable, and DRF chooses among the renderers, and the ranges,
    of the highest q.

    A `?format=` or a suffix chooses: DRF still reads `Accept` among the renderers of that format (for a
    variant such as `indent=4`, weighed as above), but where `Accept` names none of them, or refuses them
    all (`Accept: application/json` on `?format=ics`), DRF's 406 becomes that format, as the URL asked
    for."""

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        asked = request.query_params.get(name) if name else None
        formats = list(dict.fromkeys(renderer.format for renderer in renderers))
        if asked and asked not in formats:
            raise ValidationError(
                {name: [f"'{asked}' is not a valid format; valid formats are: {', '.join(formats)}."]}
            )
        weighed = "q=" in request.META.get("HTTP_ACCEPT", "").lower()
        if format_suffix or asked:
            of_the_format = self.filter_renderers(renderers, format_suffix or asked)
            try:
                if weighed:
                    # Only for what it leaves DRF to read (the ranges of the highest q: `indent=4;q=0`
                    # refuses the indented variant) or its NotAcceptable: the renderers are the format's.
                    self._most_wanted(request, of_the_format)
                return super().select_renderer(request, renderers, format_suffix)
            except NotAcceptable:
                return of_the_format[0], of_the_format[0].media_type
        if weighed:
            renderers = self._most_wanted(request, renderers)
        return super().select_renderer(request, renderers, format_suffix)

    def _most_wanted(self, request, renderers):
        """The renderers whose variants `Accept` gives the highest q-value, above 0 (NotAcceptable if none);
        the ranges of that q are the ones DRF then reads (its parsed `Accept`, kept on the request)."""
        ranges = [_MediaType(token) for token in self.get_accept_list(request)]
        wanted = {}
        for renderer in renderers:
            own = _MediaType(renderer.media_type)
            matching = [media_range for media_range in ranges if own.match(media_range)]
            plain = [media_range for media_range in matching if not _has_parameters(media_range)]
            qualities = [_quality(media_range) for media_range in matching if _has_parameters(media_range)]
            if plain:
                qualities.append(_quality(max(plain, key=lambda media_range: media_range.precedence)))
            if qualities:
                wanted[renderer] = max(qualities)
        best = max(wanted.values(), default=0)
        if best <= 0:
            raise NotAcceptable(available_renderers=renderers)
        request._parsed_accept_list = [media_range for media_range in ranges if _quality(media_range) == best]
        return [renderer for renderer in renderers if wanted.get(renderer) == best]


def _has_parameters(media_range):
    return any(name != "q" for name in media_range.params)


def _quality(media_range):
    """The q-value of a media range: 1 without one, or with one that is no number from 0 to 1 (ignored)."""
    try:
        quality = float(media_range.params.get("q", 1))
    except ValueError:
        return 1.0
    return quality if 0 <= quality <= 1 else 1.0
