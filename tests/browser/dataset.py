"""A compact, realistic catalogue for page and browser tests: passport, ID card and notary
services with documents and fee options, offered by two centres with opening hours."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from centres.models import Centre, City
from services.models import FeeOption, Service
from tests.centres.factories import CentreFactory, CityFactory, offer, weekday_hours
from tests.services.factories import CategoryFactory, ProviderFactory, RequiredDocumentFactory, ServiceFactory


@dataclass
class Catalogue:
    passport: Service
    id_card: Service
    notary: Service
    baku: Centre
    ganja: Centre
    ganja_city: City


def _documents(service, names):
    for position, (az, en, ru) in enumerate(names):
        RequiredDocumentFactory(service=service, position=position, name_az=az, name_en=en, name_ru=ru)


def build_catalogue() -> Catalogue:
    internal = ProviderFactory(
        code="internal-affairs",
        name_az="Daxili İşlər Nazirliyi",
        name_en="Ministry of Internal Affairs",
        name_ru="Министерство внутренних дел",
    )
    justice = ProviderFactory(
        code="justice", name_az="Ədliyyə Nazirliyi", name_en="Ministry of Justice", name_ru="Министерство юстиции"
    )
    travel = CategoryFactory(
        code="travel-documents",
        position=1,
        name_az="Pasport və səfər sənədləri",
        name_en="Passports and travel documents",
        name_ru="Паспорта и проездные документы",
    )
    identity = CategoryFactory(
        code="identity-documents",
        position=0,
        name_az="Şəxsiyyət sənədləri",
        name_en="Identity documents",
        name_ru="Документы, удостоверяющие личность",
    )
    notary_category = CategoryFactory(
        code="notary",
        position=2,
        name_az="Notariat hərəkətləri",
        name_en="Notary acts",
        name_ru="Нотариальные действия",
    )

    passport = ServiceFactory(
        code="passport-issue",
        provider=internal,
        category=travel,
        name_az="Ümumvətəndaş pasportunun verilməsi",
        name_en="Issue of a passport",
        name_ru="Выдача общегражданского паспорта",
        summary_az="Xaricə səfər üçün biometrik pasport alın.",
        summary_en="Get a biometric passport for travel abroad.",
        summary_ru="Получите биометрический паспорт для поездок за границу.",
        description_az="Pasport Azərbaycan vətəndaşının xaricə səfər etmək hüququnu təsdiq edir.",
        description_en="A passport proves the right of a citizen of Azerbaijan to travel abroad.",
        description_ru="Паспорт подтверждает право гражданина Азербайджана на выезд за границу.",
        eligibility_az="Azərbaycan Respublikasının vətəndaşları.",
        eligibility_en="Citizens of the Republic of Azerbaijan.",
        eligibility_ru="Граждане Азербайджанской Республики.",
        output_az="Biometrik ümumvətəndaş pasportu",
        output_en="A biometric passport",
        output_ru="Биометрический общегражданский паспорт",
        legal_basis_az="“Ümumvətəndaş pasportları haqqında” Qanun",
        legal_basis_en="Law on Passports",
        legal_basis_ru="Закон «Об общегражданских паспортах»",
        keywords="pasport, passport, паспорт, xarici pasport",
        fee_azn=Decimal("40.00"),
        duration_minutes=20,
        processing_days=10,
    )
    for position, (fee, days, az, en, ru) in enumerate(
        [
            ("40", 10, "Adi qaydada", "Standard", "В обычном порядке"),
            ("80", 5, "Sürətləndirilmiş", "Fast track", "Ускоренно"),
            ("160", 1, "Təcili", "Urgent", "Срочно"),
        ]
    ):
        FeeOption.objects.create(
            service=passport,
            position=position,
            fee_azn=Decimal(fee),
            processing_days=days,
            label_az=az,
            label_en=en,
            label_ru=ru,
        )
    _documents(
        passport,
        [
            ("Şəxsiyyət vəsiqəsi", "Identity card", "Удостоверение личности"),
            (
                "Dövlət rüsumunun ödənilməsi haqqında qəbz",
                "Receipt for the state fee",
                "Квитанция об оплате госпошлины",
            ),
            ("Əvvəlki pasport (varsa)", "Previous passport (if any)", "Предыдущий паспорт (если есть)"),
        ],
    )

    id_card = ServiceFactory(
        code="id-card-issue",
        provider=internal,
        category=identity,
        name_az="Şəxsiyyət vəsiqəsinin verilməsi",
        name_en="Issue of an identity card",
        name_ru="Выдача удостоверения личности",
        summary_az="16 yaşı tamam olan vətəndaşlar üçün şəxsiyyət vəsiqəsi.",
        summary_en="An identity card for citizens aged 16 and over.",
        summary_ru="Удостоверение личности для граждан с 16 лет.",
        keywords="vesiqe, ID card, удостоверение",
        fee_azn=Decimal("5.00"),
        processing_days=5,
    )
    _documents(
        id_card,
        [
            ("Doğum haqqında şəhadətnamə", "Birth certificate", "Свидетельство о рождении"),
            (
                "Dövlət rüsumunun ödənilməsi haqqında qəbz",
                "Receipt for the state fee",
                "Квитанция об оплате госпошлины",
            ),
        ],
    )

    notary = ServiceFactory(
        code="power-of-attorney",
        provider=justice,
        category=notary_category,
        name_az="Etibarnamənin təsdiqlənməsi",
        name_en="Certifying a power of attorney",
        name_ru="Удостоверение доверенности",
        summary_az="Notarius etibarnaməni təsdiq edir.",
        summary_en="A notary certifies a power of attorney.",
        summary_ru="Нотариус удостоверяет доверенность.",
        keywords="etibarname, notarius, доверенность",
        fee_azn=Decimal("10.00"),
        processing_days=0,
    )
    _documents(notary, [("Şəxsiyyət vəsiqəsi", "Identity card", "Удостоверение личности")])

    CityFactory()  # Baku
    ganja_city = CityFactory(code="ganja", name_az="Gəncə", name_en="Ganja", name_ru="Гянджа")
    baku = CentreFactory(
        code="baku-1",
        name_az="Bakı 1 nömrəli ASAN xidmət mərkəzi",
        name_en="Baku ASAN service centre No. 1",
        name_ru="Бакинский центр ASAN xidmət № 1",
        address_az="Bakı, Heydər Əliyev prospekti 115",
        address_en="115 Heydar Aliyev Avenue, Baku",
        address_ru="Баку, проспект Гейдара Алиева, 115",
        phone="+994 12 498 91 08",
        latitude="40.409264",
        longitude="49.867092",
    )
    ganja = CentreFactory(
        code="ganja",
        city=ganja_city,
        name_az="Gəncə ASAN xidmət mərkəzi",
        name_en="Ganja ASAN service centre",
        name_ru="Гянджинский центр ASAN xidmət",
        address_az="Gəncə, Atatürk prospekti 1",
        address_en="1 Ataturk Avenue, Ganja",
        address_ru="Гянджа, проспект Ататюрка, 1",
        latitude="40.682651",
        longitude="46.360560",
    )
    weekday_hours(baku, opens=dt.time(9), closes=dt.time(19), weekdays=range(6))
    weekday_hours(ganja, opens=dt.time(9), closes=dt.time(18), weekdays=range(5))
    for service in (passport, id_card, notary):
        offer(baku, service)
    for service in (passport, id_card):
        offer(ganja, service)
    return Catalogue(passport=passport, id_card=id_card, notary=notary, baku=baku, ganja=ganja, ganja_city=ganja_city)
