"""Admin inlines shared by the apps."""

from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import F
from django.forms.models import BaseInlineFormSet

from .admin import BoundedFormFields, StoredValuesKept, keep_within

# Added to the place of a row that moves or goes, for the time of a save: past any list's end.
PARKED = 1_000_000_000


class PositionedFormSet(BaseInlineFormSet):
    """Saves a list whose rows swap places, or take the place of one deleted: the database checks one row
    per place at each write, so the rows that move or go first leave their places for ones past the list;
    each then goes where the form puts it (validation has made sure no two share one, and that none is
    past the list's end, where a parked row would be, or past the column's range once parked)."""

    target_field = None  # what each row lists (an agency, a launch…): once per owner, as LL2 lists them

    def clean(self):
        super().clean()
        for form in self.forms:
            # Django leaves a deleted row's errors out: one that changed since the page was shown is still
            # refused (StoredValuesForm), not deleted unseen.
            if self._should_delete_form(form) and form.has_error(NON_FIELD_ERRORS, "changed_since_shown"):
                raise ValidationError(form.non_field_errors())
        for form in self.initial_forms:
            # A row the page showed that its list no longer holds by the id sent: its id was changed (Django
            # then drops the row's edits, or saves them as another row, or, deleting it, moves the row of
            # another list that has that id), or the row went since.
            if form.instance._state.adding:
                rows = self.model._meta.verbose_name_plural
                raise ValidationError(
                    f"One of the {rows} shown on this page is not in its list by the id sent: an id cannot "
                    "be changed, and a row removed since the page was opened is gone. Open the page again."
                )
        if self.target_field is None:
            return
        listed = [
            form.cleaned_data[self.target_field]
            for form in self.forms
            if form.cleaned_data.get(self.target_field) is not None and not self._should_delete_form(form)
        ]
        if len(set(listed)) < len(listed):
            name = self.model._meta.get_field(self.target_field).verbose_name
            raise ValidationError(f"List each {name} once.")

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "position" in form.fields:
            keep_within(form.fields["position"], maximum=PARKED - 1)

    def save_existing_objects(self, commit=True):
        if commit:
            leaving = [
                form.instance.pk
                for form in self.initial_forms
                if form.instance.pk is not None
                and (self._should_delete_form(form) or "position" in form.changed_data)
            ]
            rows = self.get_queryset().filter(pk__in=leaving)  # this list's rows alone
            rows.update(position=F("position") + PARKED)
        return super().save_existing_objects(commit)


def positioned_inline(model, target_field, base=admin.TabularInline):
    """An admin inline for the rows of one owner, in their order, picking `target_field` by autocomplete, its
    forms as the admins' (BoundedFormFields, StoredValuesKept)."""
    options = {"model": model, "extra": 0, "ordering": ["position"], "formset": PositionedFormSet}
    if target_field:
        options["autocomplete_fields"] = [target_field]
        options["formset"] = type(
            f"{model.__name__}FormSet", (PositionedFormSet,), {"target_field": target_field}
        )
    return type(f"{model.__name__}Inline", (BoundedFormFields, StoredValuesKept, base), options)
