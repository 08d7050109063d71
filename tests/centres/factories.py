import datetime as dt

import factory

from centres.models import Centre, CentreService, City, Counter, OpeningHours


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("code",)

    code = "baku"
    name_az = "Bakı"
    name_en = "Baku"
    name_ru = "Баку"


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre

    code = factory.Sequence(lambda n: f"centre-{n}")
    city = factory.SubFactory(CityFactory)
    name_az = factory.Sequence(lambda n: f"Bakı {n} nömrəli ASAN xidmət mərkəzi")
    name_en = factory.Sequence(lambda n: f"Baku ASAN service centre No. {n}")
    name_ru = factory.Sequence(lambda n: f"Бакинский центр ASAN xidmət № {n}")
    address_az = "Bakı, Heydər Əliyev prospekti 1"
    latitude = "40.409264"
    longitude = "49.867092"


def weekday_hours(centre, opens=dt.time(9), closes=dt.time(19), weekdays=range(6)):
    """Give `centre` the same hours on each of `weekdays` (Mon=0 .. Sat=5 by default)."""
    for weekday in weekdays:
        OpeningHours.objects.create(centre=centre, weekday=weekday, opens_at=opens, closes_at=closes)


def offer(centre, service, *, counters=1):
    CentreService.objects.get_or_create(centre=centre, service=service)
    for number in range(1, counters + 1):
        counter, _created = Counter.objects.get_or_create(centre=centre, number=number)
        counter.services.add(service)
