"""Form fields that choose a row by its key, refusing keys no database column can hold.

A value such as ``12345678901234567890`` for an integer key overflows SQLite's 64-bit integers
inside the lookup (a 500 on the `make run` database, issue 12.14); here it is simply not one of
the choices, checked before any query. Every model choice field of the portal comes from here
(asan_portal.alphabetical builds on these too).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _key_is_integer(field) -> bool:
    model = field.queryset.model
    key = model._meta.get_field(field.to_field_name) if field.to_field_name else model._meta.pk
    return isinstance(key, models.IntegerField)


def _out_of_range(value) -> bool:
    try:
        number = int(str(value).strip())
    except ValueError:
        return False  # not a number at all: the field's own check refuses it
    return not _INT64_MIN <= number <= _INT64_MAX


class _KeyRangeCheck:
    def clean(self, value):
        values = value if isinstance(value, list | tuple) else [value]
        if _key_is_integer(self):
            for item in values:
                if item not in self.empty_values and _out_of_range(item):
                    raise ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                    )
        return super().clean(value)


class ModelChoiceField(_KeyRangeCheck, forms.ModelChoiceField):
    pass


class ModelMultipleChoiceField(_KeyRangeCheck, forms.ModelMultipleChoiceField):
    pass
