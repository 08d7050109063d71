"""Output shapes of the catalogue API. Read-only: they format what selectors fetched.

Every translated attribute appears twice: `name` in the request language (Azerbaijani
when a translation is missing) and `name_i18n` with all three languages.
"""

from rest_framework import serializers

from asan_portal.api import LocalisedField, OptionalURLField, TranslationsField


class ProviderRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.CharField()
    name = LocalisedField()
    name_i18n = TranslationsField("name")


class CategoryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = LocalisedField()
    name_i18n = TranslationsField("name")


class ProviderSerializer(ProviderRefSerializer):
    description = LocalisedField()
    description_i18n = TranslationsField("description")
    website = OptionalURLField()
    service_count = serializers.IntegerField(help_text="Public services of this provider.")


class CategorySerializer(CategoryRefSerializer):
    position = serializers.IntegerField()
    service_count = serializers.IntegerField(help_text="Public services in this category.")


class ServiceListItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = LocalisedField()
    name_i18n = TranslationsField("name")
    summary = LocalisedField()
    summary_i18n = TranslationsField("summary")
    provider = ProviderRefSerializer()
    category = CategoryRefSerializer()
    fee_azn = serializers.DecimalField(max_digits=9, decimal_places=2, help_text="Lowest fee in manat.")
    duration_minutes = serializers.IntegerField(help_text="Time at the counter.")
    processing_days = serializers.IntegerField(help_text="Days until the result; 0 = the same day.")
    processing_days_kind = serializers.ChoiceField(choices=["working", "calendar"])
    bookable_online = serializers.BooleanField()


class ProviderServiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = LocalisedField()
    name_i18n = TranslationsField("name")
    category = CategoryRefSerializer()


class ProviderDetailSerializer(ProviderSerializer):
    services = ProviderServiceSerializer(many=True, source="public_services")


class RequiredDocumentSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    name = LocalisedField()
    name_i18n = TranslationsField("name")


class FeeOptionSerializer(serializers.Serializer):
    fee_azn = serializers.DecimalField(max_digits=9, decimal_places=2)
    processing_days = serializers.IntegerField()
    processing_days_kind = serializers.ChoiceField(choices=["working", "calendar"])
    label = LocalisedField()
    label_i18n = TranslationsField("label")


class CityRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = LocalisedField()
    name_i18n = TranslationsField("name")


class ServiceCentreSerializer(serializers.Serializer):
    """A centre where the service is offered, in short."""

    code = serializers.CharField()
    kind = serializers.CharField()
    name = LocalisedField()
    name_i18n = TranslationsField("name")
    address = LocalisedField()
    address_i18n = TranslationsField("address")
    city = CityRefSerializer()


class ServiceDetailSerializer(ServiceListItemSerializer):
    description = LocalisedField()
    description_i18n = TranslationsField("description")
    eligibility = LocalisedField()
    eligibility_i18n = TranslationsField("eligibility")
    output = LocalisedField()
    output_i18n = TranslationsField("output")
    legal_basis = LocalisedField()
    legal_basis_i18n = TranslationsField("legal_basis")
    documents = RequiredDocumentSerializer(many=True, help_text="What to bring, in order.")
    fee_options = FeeOptionSerializer(many=True, help_text="Prices for faster processing, if any.")
    centres = ServiceCentreSerializer(many=True, source="offered_at", help_text="Active centres offering it.")
