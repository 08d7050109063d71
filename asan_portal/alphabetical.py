"""Lists people choose from (centres, cities, services, providers), in alphabetical order.

The database sorts by code point, which puts "İmişli" and "Şəki" after "Tovuz". Every such list
goes through `alphabetical`, or through the form fields below, which sort by the name as shown
in the active language, with Azerbaijani's alphabet (`asan_portal.azerbaijani.sort_key`).
"""

from collections.abc import Callable, Iterable

from django.forms.models import ModelChoiceIterator

from .azerbaijani import sort_key
from .model_choices import ModelChoiceField, ModelMultipleChoiceField


def _name(item) -> str:
    return str(item.name)  # a TranslatedField: the active language's name


def alphabetical(items: Iterable, *, label: Callable[..., str] = _name) -> list:
    """`items` sorted by their label (by default the name in the active language)."""
    return sorted(items, key=lambda item: sort_key(str(label(item))))


class _AlphabeticalIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in alphabetical(self.queryset, label=self.field.label_from_instance):
            yield self.choice(obj)


class AlphabeticalChoiceField(ModelChoiceField):
    """Choices labelled with the name in the active language, in alphabetical order."""

    iterator = _AlphabeticalIterator

    def label_from_instance(self, obj) -> str:
        return _name(obj)


class AlphabeticalMultipleChoiceField(ModelMultipleChoiceField):
    """Like AlphabeticalChoiceField, for choosing several."""

    iterator = _AlphabeticalIterator

    def label_from_instance(self, obj) -> str:
        return _name(obj)
