from decimal import Decimal

import factory

from services.models import Category, Provider, RequiredDocument, Service
from services.services import service_refresh_search_text


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"provider-{n}")
    name_az = factory.Sequence(lambda n: f"Qurum {n}")
    name_en = factory.Sequence(lambda n: f"Agency {n}")
    name_ru = factory.Sequence(lambda n: f"Ведомство {n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category-{n}")
    name_az = factory.Sequence(lambda n: f"Kateqoriya {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    name_ru = factory.Sequence(lambda n: f"Категория {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"service-{n}")
    provider = factory.SubFactory(ProviderFactory)
    category = factory.SubFactory(CategoryFactory)
    name_az = factory.Sequence(lambda n: f"Xidmət {n}")
    name_en = factory.Sequence(lambda n: f"Service {n}")
    name_ru = factory.Sequence(lambda n: f"Услуга {n}")
    fee_azn = Decimal("5.00")
    duration_minutes = 15

    @factory.post_generation
    def search_text(obj, create, extracted, **kwargs):
        if create:
            service_refresh_search_text(service=obj)


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    service = factory.SubFactory(ServiceFactory)
    position = factory.Sequence(int)
    name_az = "Şəxsiyyət vəsiqəsi"
    name_en = "Identity card"
    name_ru = "Удостоверение личности"
