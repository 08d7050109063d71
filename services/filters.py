"""Query parameters of the catalogue API, validated before a selector runs.

A code that names nothing is a 400 with a sentence saying so, not an empty list: a typo
in `?provider=` should not look like "this agency offers no services".
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from centres.models import Centre

from .models import Category, Provider


class CodeFilterField(serializers.SlugField):
    """A catalogue code in a query string; checks that an object with it exists."""

    def __init__(self, *, queryset, unknown_message, **kwargs):
        self.queryset = queryset
        self.unknown_message = unknown_message
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)  # "?provider=" from an empty form select means "any"
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("error_messages", {"invalid": _("A code has only Latin letters, digits and hyphens.")})
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        code = super().run_validation(data)  # the format is checked first, so no query for "bad code!"
        if code and not self.queryset.filter(code=code).exists():
            raise serializers.ValidationError(self.unknown_message % {"code": code})
        return code


class ServiceListFilters(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Words to look for in any language; missing Azerbaijani letters and small typos are fine."),
    )
    provider = CodeFilterField(
        queryset=Provider.objects.filter(is_active=True),
        unknown_message=_("There is no provider with the code “%(code)s”."),
        help_text=_("Only services of this provider (its code)."),
    )
    category = CodeFilterField(
        queryset=Category.objects.all(),
        unknown_message=_("There is no category with the code “%(code)s”."),
        help_text=_("Only services in this category (its code)."),
    )
    centre = CodeFilterField(
        queryset=Centre.objects.public(),
        unknown_message=_("There is no service centre with the code “%(code)s”."),
        help_text=_("Only services offered at this centre (its code)."),
    )

    def selector_arguments(self) -> dict:
        """The validated filters as keyword arguments of `services.selectors.service_list`."""
        data = self.validated_data
        return {
            "query": data.get("search", "").strip(),
            "provider": data.get("provider") or None,
            "category": data.get("category") or None,
            "centre": data.get("centre") or None,
        }
