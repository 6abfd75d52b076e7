"""The project's admin: the base every admin and inline of the apps uses, and the service's own models."""

import contextlib
import datetime
import hashlib
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import FieldListFilter, widgets
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ChangeList as DjangoChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import BadRequest, ValidationError
from django.core.validators import (
    BaseValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import smart_split

from .api.filters import BoundedSearchFilter
from .api.numbers import value_range
from .models import APIKey, APITier
from .text_bounds import INDEXED_TEXT_BYTES
from .turns import take_writers_turn


class RefusedInput(IncorrectLookupParameters, BadRequest):
    """Input the admin runs no query with, saying why: the changelist answers it with its `?e=1` redirect and
    shows the message there; the autocomplete view, which knows no IncorrectLookupParameters, with a 400."""


def holds(field, text):
    """Whether a model field (a relation: its target) takes `text`: a value of its type, within its range."""
    if field.is_relation:
        field = field.target_field
    try:
        value = field.to_python(text)
    except ValidationError:
        return False
    bounds = value_range(field)
    return bounds is None or bounds[0] <= value <= bounds[1]


class MaxUTF8BytesValidator(BaseValidator):
    """At most `limit_value` bytes as UTF-8: what an indexed text column holds (text_bounds)."""

    message = "Ensure this value is at most %(limit_value)d bytes as UTF-8 (it has %(show_value)d)."
    code = "max_bytes"

    def compare(self, a, b):
        return a > b

    def clean(self, x):
        return len(str(x).encode(errors="replace"))


def keep_within(formfield, minimum=None, maximum=None):
    """Bounds a form field's value to `minimum`…`maximum` (None: unbounded), in place of a looser bound of the
    field's own (a value past both gets one error, the tighter bound's)."""
    if minimum is not None:
        _tighten(formfield, MinValueValidator(minimum), lambda limit: limit >= minimum)
    if maximum is not None:
        _tighten(formfield, MaxValueValidator(maximum), lambda limit: limit <= maximum)


def _tighten(formfield, bound, as_tight):
    same_kind = [validator for validator in formfield.validators if type(validator) is type(bound)]
    if not any(as_tight(validator.limit_value) for validator in same_kind):
        formfield.validators = [
            validator for validator in formfield.validators if type(validator) is not type(bound)
        ]
        formfield.validators.append(bound)


class BoundedModelChoiceField(forms.ModelChoiceField):
    """A related object's form field that refuses a key its target's column cannot hold, unlooked-up."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model):
            opts = self.queryset.model._meta
            if not holds(opts.get_field(self.to_field_name) if self.to_field_name else opts.pk, value):
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, which looks up its object (the form's initial one, `add/?image=…`, or
    the one submitted) as given: not a key its target's column cannot hold, which raises there."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [key for key in value if holds(self.field, key)], attr)


class StoredValuesForm(forms.ModelForm):
    """A change form that saves the fields its user changed, and leaves the others as they are stored: an
    HTML form cannot carry every stored text back (an `<input>` drops line breaks, a text is stripped, an
    empty one read as null), and a save that changed nothing rewrote imported texts. A text is changed when
    what was sent differs from the stored text as its widget shows it (without line breaks in an
    `<input>`), and its value as the field reads it from the stored one.

    An object's form carries a digest of the stored values it showed (`shown_values`): one whose values
    were changed since (by a sync, an import, another user) is not saved, where the values of the page,
    sent back, would have been taken for its user's changes and written over the new ones. (The save reads
    the object in the writers' turn, so no write comes between the check and the save.)"""

    shown_values = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept_as_stored = set()  # fields whose errors were dropped (_clean_fields)
        if self.instance._state.adding:
            return
        key = self.instance._meta.pk.name
        if key in self.fields:
            # An inline row's id, which its list finds the row by (an admin's own is read-only once added):
            # shown read-only, and still sent (a disabled field is not, and the row would not be found).
            self.fields[key].widget.attrs["readonly"] = True
        self.initial["shown_values"] = values_digest(
            self.initial.get(name) for name in self.fields if name != "shown_values"
        )

    def clean(self):
        cleaned_data = super().clean()
        shown = cleaned_data.get("shown_values")
        # Not sent (a form posted by a script of its own): not checked, as before the digest.
        if shown and "shown_values" in self.initial and shown != self.initial["shown_values"]:
            raise ValidationError(
                f"This {self.instance._meta.verbose_name} was changed (by a sync, an import or another "
                "user) since this page was opened: nothing was saved. Open it again to see it as it is "
                "now, and make the changes again.",
                code="changed_since_shown",
            )
        return cleaned_data

    @cached_property
    def changed_data(self):
        # The digest is no value of the object (nor a change of it, when a script's POST leaves it out).
        return [name for name in self.fields if name != "shown_values" and self._has_changed(self[name])]

    def _has_changed(self, bound):
        if bound.name not in self.initial:  # a field the object does not give (an add form's)
            return bound._has_changed()
        # Against the stored value, not a hidden copy of the one shown (Django's for a field whose default is
        # a callable, the copy without its fractions of a second).
        field, stored, sent = bound.field, bound.initial, bound.data
        text = isinstance(field, forms.CharField) and isinstance(sent, str)
        if text and as_shown(stored or "", field.widget) == as_shown(sent, field.widget):
            return False
        return field.has_changed(stored, sent)

    def _clean_fields(self):
        super()._clean_fields()
        # A field its user left as it was is saved as stored, so its value is not judged again: an imported
        # URL Django's validator refuses (LL2's, with a space) failed every save of its object, until its
        # user changed a value they had not come to change.
        values = {field.name for field in self.instance._meta.concrete_fields if not field.is_relation}
        for name in list(self._errors):
            # (A new object's form has no initial values: nothing of it is stored.)
            if name in values and name in self.initial and name not in self.changed_data:
                del self._errors[name]
                self.cleaned_data[name] = self.initial[name]
                self._kept_as_stored.add(name)

    def _get_validation_exclusions(self):
        # Nor by the model: as Django leaves out a field that failed the form's validation.
        return super()._get_validation_exclusions() | self._kept_as_stored

    def _post_clean(self):
        adding = self.instance._state.adding
        stored = (
            {} if adding else {field.attname: getattr(self.instance, field.attname) for field in self._kept()}
        )
        super()._post_clean()
        for attname, value in stored.items():
            setattr(self.instance, attname, value)

    def _kept(self):
        """The model's fields this form shows and its user left as they were."""
        changed = set(self.changed_data)
        return [
            field
            for field in self.instance._meta.concrete_fields
            if field.name in self.fields and field.name not in changed
        ]


def values_digest(values):
    """A digest of a form's stored `values` (model_to_dict's: plain values, a foreign key's as its id; the
    lists of the project's objects are inline rows, each with its own form), the same in any process."""
    return hashlib.sha256(repr(list(values)).encode()).hexdigest()


def as_shown(text, widget):
    """`text` as `widget` sends it back: without line breaks from an `<input>`, with LF ones from a
    LineBreaksTextarea (a stored CRLF, LL2's own admin's, comes back as LF)."""
    return with_lf(text) if isinstance(widget, forms.Textarea) else re.sub(r"[\r\n]", "", text)


def with_lf(text):
    """`text` with each line break (CRLF, CR or LF) as LF."""
    return re.sub(r"\r\n?", "\n", text)


class LineBreaksTextarea(forms.Textarea):
    """A `<textarea>` whose line breaks are read as LF, as they are stored (a browser sends CRLF, which
    counted twice against the field's length and was stored as sent)."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return with_lf(value) if isinstance(value, str) else value


class TimeWithFractions(widgets.BaseAdminTimeWidget):
    """The admin's time input, showing a time's fractions of a second when it has them (and so sending them
    back): cut to the second, a save changing nothing else wrote the time without them."""

    supports_microseconds = True  # Django cuts a form's initial time to the second for widgets without

    def format_value(self, value):
        if isinstance(value, datetime.time) and value.microsecond:
            return value.isoformat()
        return super().format_value(value)


class SplitDateTimeWithFractions(widgets.AdminSplitDateTime):
    supports_microseconds = True

    def __init__(self, attrs=None):
        forms.MultiWidget.__init__(self, [widgets.BaseAdminDateWidget, TimeWithFractions], attrs)


# LL2's texts that are prose, whose line breaks an `<input>` would drop.
PROSE_FIELDS = {"description", "comment"}


class StoredValuesKept:
    """The admins' and inlines' forms save what their user changed alone (StoredValuesForm), times with their
    fractions of a second, and LL2's descriptions (prose, with line breaks) in a `<textarea>`."""

    form = StoredValuesForm
    formfield_overrides = {models.DateTimeField: {"widget": SplitDateTimeWithFractions}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, (models.CharField, models.TextField)) and db_field.name in PROSE_FIELDS:
            kwargs.setdefault("widget", LineBreaksTextarea(attrs={"rows": 3}))
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class BoundedFormFields:
    """Keeps the values of an admin's (or inline's) form fields within what their columns hold on PostgreSQL,
    so that SQLite, which takes 64-bit integers (and overflows past them, a 500), gives the same form errors,
    and the API never serves what the other database could not store."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        bounds = None if db_field.is_relation else value_range(db_field)
        if formfield is not None and bounds is not None:
            keep_within(formfield, *bounds)
        if (
            formfield is not None
            and isinstance(db_field, models.CharField)
            and (db_field.db_index or db_field.unique)
        ):
            # What an entry of the column's index holds on PostgreSQL (ingest refuses the same bytes).
            formfield.validators.append(MaxUTF8BytesValidator(INDEXED_TEXT_BYTES))
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = BoundedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(
            db_field, request, **{"form_class": BoundedModelChoiceField, **kwargs}
        )


class ChangeList(DjangoChangeList):
    """Django's changelist, with a date hierarchy that runs to the last date there is (9999-12-31), and
    refusing (with its `?e=1` redirect, and a message saying why) what RefusedInput refuses."""

    def __init__(self, request, *args, **kwargs):
        try:
            super().__init__(request, *args, **kwargs)
        except RefusedInput as refusal:
            messages.error(request, str(refusal))
            raise

    def get_filters(self, request):
        self._refuse_filters_not_offered(request)
        names = self._hierarchy("year", "month", "day")
        given = [name for name in names if name in self.filter_params]
        if not names or names[0] not in self.filter_params:
            return super().get_filters(request)  # no year, no range: Django filters by month and day alone
        start = _first_moment(*(self.filter_params.get(name, ["1"])[-1] for name in names))
        if start is None:
            # Django refuses most of these without a word, and a year past a C int with a 500.
            shown = "&".join(f"{name}={request.GET[name]}" for name in given)
            raise RefusedInput(f"No such date: {shown}.")
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError):
            # The range's end, the day after it, is past 9999-12-31 for the year 9999, its December or its
            # last day, and Django's making it raises either: that range runs to the last day instead.
            kept = self.filter_params
            self.filter_params = {name: values for name, values in kept.items() if name not in names}
            try:
                filters = super().get_filters(request)
            finally:
                self.filter_params = kept
            filters[2][f"{self.date_hierarchy}__gte"] = [start]
            return filters

    def _hierarchy(self, *lookups):
        """The date hierarchy's parameters of `lookups` (none without a hierarchy)."""
        return [f"{self.date_hierarchy}__{lookup}" for lookup in lookups] if self.date_hierarchy else []

    def _refuse_filters_not_offered(self, request):
        """Only the filters the page offers (its list filters' parameters, the date hierarchy's), with values
        of their fields: Django takes any lookup of the model's own fields from the URL (`name__regex=(`,
        `id__range=1`, `date__year__gte=10000`, a NUL on PostgreSQL), and those failed as the query ran."""
        given = self.get_filters_params()
        if not given:
            return
        offered = self._offered_parameters(request)
        for name, values in given.items():
            if name not in offered:
                raise RefusedInput(f"No such filter: {name}.")
            path, _, lookup = name.rpartition("__")
            if lookup not in ("exact", "gte", "lt"):
                continue  # a filter's own parameter (`__isnull`, a SimpleListFilter's), whatever its value
            field = get_fields_from_path(self.model, path)[-1]
            if not all(holds(field, value) for value in values):
                raise RefusedInput(f"No such value of {name}: {values[-1]}.")

    def _offered_parameters(self, request):
        """The parameters of the list filters (each made as Django makes it, given none: a filter with
        nothing to show still takes its own), and of the date hierarchy."""
        # Its year, month and day, and the range Django's links keep of them ("Clear all filters").
        names = set(self._hierarchy("year", "month", "day", "gte", "lt"))
        for entry in self.list_filter:
            if callable(entry):
                spec = entry(request, {}, self.model, self.model_admin)
            else:
                field, spec_class = (
                    entry if isinstance(entry, (list, tuple)) else (entry, FieldListFilter.create)
                )
                path = None if isinstance(field, models.Field) else field
                field = field if path is None else get_fields_from_path(self.model, path)[-1]
                spec = spec_class(field, request, {}, self.model, self.model_admin, field_path=path)
            names.update(spec.expected_parameters())
        return names


def _first_moment(year, month, day):
    """The first moment of the day `year`-`month`-`day` (texts) in the current time zone; None for no day."""
    try:
        return timezone.make_aware(datetime.datetime(int(year), int(month), int(day)))
    except (ValueError, OverflowError):
        return None


class ModelAdmin(BoundedFormFields, StoredValuesKept, admin.ModelAdmin):
    """The base of every admin of the project's models: bounded form fields (BoundedFormFields) that save what
    their user changed (StoredValuesKept), the ChangeList above, the objects a list shows read with its rows,
    a bounded search, ids given once, and writes that read what they change in the writers' turn."""

    def get_changelist(self, request, **kwargs):
        return ChangeList

    def get_list_select_related(self, request):
        """The objects its list shows joined to each row, those of keys that may be null too: Django's
        default joins the others alone, and read each of those by a query a row (a launch's status, an
        astronaut's agency: 100 queries a page)."""
        if self.list_select_related:  # an admin's own choice
            return self.list_select_related
        keys = {field.name for field in self.model._meta.fields if field.many_to_one}
        # A column may be a path (`agency__name`): its first key is joined.
        shown = [name.split("__")[0] for name in self.get_list_display(request) if isinstance(name, str)]
        return list(dict.fromkeys(name for name in shown if name in keys)) or False

    def save_model(self, request, obj, form, change):
        # A save that changed nothing writes nothing (its changed inline rows are theirs to save): an object
        # many events show had them all rendered again (a station of 51,069 of 100,000 generated events:
        # past the request's deadline, a 503), and a new data version dropped every cached response.
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        key = self.model._meta.pk
        if obj is None or not key.editable or key.name in fields:
            return fields
        # LL2's key of the object, given once, when it is added: changed, Django saved the form as another
        # row, over the object that had that key, and left this one as it was.
        return (*fields, key.name)

    # A POST (a save, a delete, an action, the changelist's edits) takes the writers' turn before Django
    # reads the object and its inline rows: taken at the first save instead, an import committed between the
    # reads and the save had the rows it dropped written back (or a position taken twice, a 500).
    def changeform_view(self, request, *args, **kwargs):
        with writers_turn_for(request, self.model):
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with writers_turn_for(request, self.model):
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        with writers_turn_for(request, self.model):
            return super().changelist_view(request, *args, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # Refused, as the API refuses them (a 400), not cut short or ignored: any other answer would list the
        # results of a search other than the one asked for. More terms than the API takes, each one more LIKE
        # of every search field, grow past what SQLite parses; a NUL, which PostgreSQL refuses in text, can
        # match nothing stored (the changelist's own search form refuses it before this).
        if "\x00" in search_term:
            raise RefusedInput(str(ProhibitNullCharactersValidator.message))
        terms = sum(1 for _term in smart_split(search_term))
        if terms > BoundedSearchFilter.max_terms:
            raise RefusedInput(f"Enter at most {BoundedSearchFilter.max_terms} search terms (got {terms}).")
        return super().get_search_results(request, queryset, search_term)


@contextlib.contextmanager
def writers_turn_for(request, model):
    """A POST's transaction, in the writers' turn, on `model`'s database; nothing for other methods."""
    if request.method != "POST":
        yield
        return
    using = router.db_for_write(model)
    with transaction.atomic(using=using):
        take_writers_turn(using)
        yield


@admin.register(APITier)
class APITierAdmin(ModelAdmin):
    list_display = ["name", "requests_per_hour"]


@admin.register(APIKey)
class APIKeyAdmin(ModelAdmin):
    """Keys are made here with a new random key, shown once when saved; afterwards only the prefix is."""

    list_display = ["name", "prefix", "tier", "created_at", "revoked"]
    list_filter = ["tier", "revoked"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at"]

    def save_model(self, request, obj, form, change):
        key = None if change else obj.set_new_key()
        super().save_model(request, obj, form, change)
        if key:
            self.message_user(
                request,
                f"The key of {obj.name}: {key}. Copy it now: only its hash is kept, it is not shown again.",
                messages.WARNING,
            )
