"""Admin inlines shared by the apps."""

from django.contrib import admin


def positioned_inline(model, target_field, base=admin.TabularInline):
    """An admin inline for the rows of one owner, in their order, picking `target_field` by autocomplete."""
    options = {"model": model, "extra": 0, "ordering": ["position"]}
    if target_field:
        options["autocomplete_fields"] = [target_field]
    return type(f"{model.__name__}Inline", (base,), options)
