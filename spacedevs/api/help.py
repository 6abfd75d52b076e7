"""LL2's help text for a route (Markdown, shown on the browsable API), built from the view's attributes."""

from django.urls import NoReverseMatch, get_script_prefix, reverse
from rest_framework.settings import api_settings

from .renderers import renders_calendars
from .versions import unversioned

LL2_DOCS = "[ll.thespacedevs.com/docs](https://ll.thespacedevs.com/docs/)"


def _codes(names):
    return ", ".join(f"`{name}`" for name in names)


def _link(path, query):
    """`path?query`, shown as LL2 shows it (unversioned, under the path prefix) and linked absolutely: an
    example works from an `{id}/` page and from the docs alike."""
    prefix = get_script_prefix().removesuffix("/")
    return f"[{prefix}{unversioned(path.removeprefix(prefix))}?{query}]({path}?{query})"


def _example(path, query):
    return f"Example - {_link(path, query)}"


def list_path(view):
    """The canonical path of the view's list route, which every example queries."""
    try:
        return reverse(f"{view.basename}-list")
    except (AttributeError, NoReverseMatch):
        return "/"


def help_sections(view):
    """The sections LL2 shows for a route: modes, filters (in alphabetical order, as LL2 lists them),
    search, ordering, number of results, format and help; each only where the view has it."""
    path = list_path(view)
    sections = []
    modes = getattr(view, "modes", None)
    if modes:
        sections.append(
            f"#### Modes\nLevels of detail in the response - {_codes(modes)}\n"
            + _example(path, f"{view.mode_param}={modes[0]}")
        )
    if view.filterset_class:
        lines = [f"#### Filters\nParameters - {_codes(sorted(view.filterset_class.base_filters))}"]
        if view.filter_example:
            lines.append(_example(path, view.filter_example))
        sections.append("\n".join(lines))
    if view.search_fields:
        lines = [f"#### Search\nFields searched - {_codes(view.search_fields)}"]
        if view.search_example:
            lines.append(_example(path, f"{api_settings.SEARCH_PARAM}={view.search_example}"))
        sections.append("\n".join(lines))
    if view.ordering_fields:
        sections.append(
            f"#### Ordering\nFields - {_codes(view.ordering_fields)}\n"
            + _example(path, f"{api_settings.ORDERING_PARAM}=-{view.ordering_fields[-1]}")
        )
    if view.pagination_class:
        pagination = view.pagination_class
        sections.append(
            "#### Number of results\n"
            f"Use `{pagination.limit_query_param}` to control the number of objects in the response "
            f"(max {pagination.max_limit})\n" + _example(path, f"{pagination.limit_query_param}=2")
        )
    json_query = f"{api_settings.URL_FORMAT_OVERRIDE}=json"
    formats = [f"#### Format\nSwitch to JSON output - {_link(path, json_query)}"]
    if renders_calendars(view):
        ics_query = f"{api_settings.URL_FORMAT_OVERRIDE}=ics"
        formats.append(
            f"Subscribe as a calendar (the first 250 events, every filter) - {_link(path, ics_query)}"
        )
    sections.append("\n".join(formats))
    sections.append(
        f"#### Help\nFind all the FAQs and support links on the documentation homepage - {LL2_DOCS}"
    )
    return sections
