"""Content negotiation that answers an unknown `?format=` as any other bad parameter."""

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class NamedFormatNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, but a `?format=` that none of the view's renderers gives is a 400 naming the
    parameter and the view's formats, where DRF answers a bare 404. A format suffix in the path (`352.xml`)
    is still a 404: no such path."""

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        asked = None if format_suffix or not name else request.query_params.get(name)
        formats = list(dict.fromkeys(renderer.format for renderer in renderers))
        if asked and asked not in formats:
            raise ValidationError(
                {name: [f"'{asked}' is not a valid format; valid formats are: {', '.join(formats)}."]}
            )
        return super().select_renderer(request, renderers, format_suffix)
