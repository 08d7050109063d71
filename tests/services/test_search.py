import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asan_portal.azerbaijani import fold
from services import search
from services.models import Service
from services.search import rank_services, service_search, service_search_text, term_match
from services.selectors import service_list
from services.services import category_refresh_search_texts, provider_refresh_search_texts
from tests.centres.factories import CentreFactory, offer
from tests.services.factories import CategoryFactory, ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """A small, realistic slice of the catalogue."""
    internal = ProviderFactory(
        code="internal-affairs",
        name_az="Daxili İşlər Nazirliyi",
        name_en="Ministry of Internal Affairs",
        name_ru="Министерство внутренних дел",
    )
    justice = ProviderFactory(
        code="justice", name_az="Ədliyyə Nazirliyi", name_en="Ministry of Justice", name_ru="Министерство юстиции"
    )
    identity = CategoryFactory(
        code="identity-documents",
        name_az="Şəxsiyyət sənədləri",
        name_en="Identity documents",
        name_ru="Документы, удостоверяющие личность",
    )
    travel = CategoryFactory(
        code="travel-documents",
        name_az="Pasport və səfər sənədləri",
        name_en="Passports and travel documents",
        name_ru="Паспорта и проездные документы",
    )
    notary = CategoryFactory(
        code="notary", name_az="Notariat hərəkətləri", name_en="Notary acts", name_ru="Нотариальные действия"
    )
    civil = CategoryFactory(
        code="civil-status",
        name_az="Vətəndaşlıq vəziyyəti aktları",
        name_en="Civil registration",
        name_ru="Акты гражданского состояния",
    )
    services = {
        "id-card": ServiceFactory(
            code="id-card-issue",
            provider=internal,
            category=identity,
            name_az="Şəxsiyyət vəsiqəsinin verilməsi",
            name_en="Issue of an identity card",
            name_ru="Выдача удостоверения личности",
            summary_az="16 yaşına çatmış vətəndaşlara şəxsiyyət vəsiqəsi verilir.",
            summary_en="Identity cards for citizens aged 16 and over.",
            summary_ru="Удостоверение личности для граждан с 16 лет.",
            keywords="ID kart, şəxsiyyət vəsiqəsi, удостоверение",
        ),
        "passport": ServiceFactory(
            code="passport-issue",
            provider=internal,
            category=travel,
            name_az="Ümumvətəndaş pasportunun verilməsi",
            name_en="Issue of a passport",
            name_ru="Выдача общегражданского паспорта",
            summary_az="Xaricə səfər üçün biometrik pasport.",
            summary_en="A biometric passport for travel abroad.",
            summary_ru="Биометрический паспорт для поездок за границу.",
            keywords="xarici pasport, passport, загранпаспорт",
        ),
        "notary": ServiceFactory(
            code="power-of-attorney",
            provider=justice,
            category=notary,
            name_az="Etibarnamənin təsdiqi",
            name_en="Certification of a power of attorney",
            name_ru="Удостоверение доверенности",
            summary_az="Notarius etibarnaməni təsdiq edir.",
            summary_en="A notary certifies a power of attorney.",
            summary_ru="Нотариус удостоверяет доверенность.",
            keywords="notariat, etibarname, доверенность",
        ),
        "marriage": ServiceFactory(
            code="marriage-registration",
            provider=justice,
            category=civil,
            name_az="Nikahın dövlət qeydiyyatı",
            name_en="Registration of a marriage",
            name_ru="Государственная регистрация брака",
            summary_az="Nikahın qeydə alınması və nikah haqqında şəhadətnamə.",
            summary_en="Marriage registration and a marriage certificate.",
            summary_ru="Регистрация брака и свидетельство о браке.",
            keywords="evlilik, toy, свадьба",
        ),
        "lost-passport": ServiceFactory(
            code="lost-document-notice",
            provider=internal,
            category=travel,
            name_az="İtirilmiş sənəd barədə arayış",
            name_en="Certificate of a lost document",
            name_ru="Справка об утере документа",
            summary_az="Pasport və ya şəxsiyyət vəsiqəsi itdikdə verilən arayış.",
            summary_en="A certificate when a passport or identity card is lost.",
            summary_ru="Справка при утере паспорта или удостоверения личности.",
        ),
    }
    return services


def codes(results):
    return [service.code for service in results]


@pytest.mark.parametrize(
    "query",
    ["şəxsiyyət vəsiqəsi", "sexsiyyet vesiqesi", "shexsiyyet", "ŞƏXSİYYƏT VƏSİQƏSİ", "SEXSIYYET", "identity card"],
)
def test_id_card_found_with_or_without_azerbaijani_letters(catalogue, query):
    results = service_search(query)
    assert codes(results)[0] == "id-card-issue"


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("pasport", "passport-issue"),
        ("passport", "passport-issue"),
        ("паспорт", "passport-issue"),
        ("pasprot", "passport-issue"),  # letters swapped
        ("etibarname", "power-of-attorney"),
        ("доверенность", "power-of-attorney"),
        ("power of attorney", "power-of-attorney"),
        ("notarius", "power-of-attorney"),
        ("nikah", "marriage-registration"),
        ("брак", "marriage-registration"),
        ("marriage", "marriage-registration"),
        ("mariage", "marriage-registration"),  # one letter missing
    ],
)
def test_queries_in_every_language_and_with_typos_find_the_right_service_first(catalogue, query, expected_first):
    assert codes(service_search(query))[0] == expected_first


def test_name_match_ranks_above_summary_and_category_matches(catalogue):
    # "pasport" is in the passport service's name, the lost-document notice's summary, and
    # in the category name of both: the name match comes first.
    results = codes(service_search("pasport"))
    assert results[:2] == ["passport-issue", "lost-document-notice"]


def test_summary_match_ranks_above_provider_match(catalogue):
    # "vesiqesi" is in the ID card's name; the lost-document notice mentions it in its summary;
    # nothing else mentions it at all, so services of the same provider are not returned.
    results = codes(service_search("vesiqesi"))
    assert results == ["id-card-issue", "lost-document-notice"]


def test_whole_word_in_a_summary_beats_a_near_miss_in_a_name(catalogue):
    # given a service whose name is one letter away from "marriage" ...
    near_miss = ServiceFactory(code="carriage-permit", name_az="Yük daşıma icazəsi", name_en="Carriage permit")
    # when searching for the word the marriage service has in its name and a family
    # certificate has (whole) in its summary
    family = ServiceFactory(
        code="family-record",
        name_az="Ailə tərkibi arayışı",
        name_en="Family record",
        summary_en="Lists spouses by marriage and children.",
    )
    results = codes(service_search("marriage"))
    # then: name, then whole word in a summary, then the near miss
    assert results == ["marriage-registration", family.code, near_miss.code]


def test_a_service_must_match_every_word_when_one_does(catalogue):
    results = codes(service_search("pasport itirilmis"))
    assert results == ["lost-document-notice"]


def test_query_that_matches_nothing_returns_nothing(catalogue):
    assert service_search("kosmodrom") == []
    assert service_search("   ") == []
    assert service_search("!!!") == []


def test_unpublished_and_inactive_services_are_never_found(catalogue):
    hidden = ServiceFactory(code="hidden-passport", name_az="Gizli pasport xidməti", is_published=False)
    inactive = ServiceFactory(code="old-passport", name_az="Köhnə pasport xidməti", is_active=False)
    closed_provider = ProviderFactory(code="closed", is_active=False)
    gone = ServiceFactory(code="gone-passport", name_az="Pasport (bağlı qurum)", provider=closed_provider)

    found = codes(service_search("pasport"))
    found_via_selector = codes(service_list(query="pasport"))

    for service in (hidden, inactive, gone):
        assert service.code not in found
        assert service.code not in found_via_selector
    assert "passport-issue" in found


def test_search_respects_the_given_queryset(catalogue):
    centre = CentreFactory(code="baku-1")
    offer(centre, catalogue["notary"])

    assert codes(service_list(query="pasport", centre="baku-1")) == []
    assert codes(service_list(query="notarius", centre="baku-1")) == ["power-of-attorney"]
    assert codes(service_list(query="pasport", provider="justice")) == []


def test_provider_rename_refreshes_search_text_of_its_services(catalogue):
    justice = catalogue["notary"].provider
    assert "power-of-attorney" not in codes(service_search("Hüquq"))

    justice.name_az = "Hüquq Nazirliyi"
    justice.save()
    changed = provider_refresh_search_texts(provider=justice)

    assert changed == 2  # notary and marriage
    assert "power-of-attorney" in codes(service_search("huquq"))
    assert Service.objects.get(code="power-of-attorney").search_text == service_search_text(catalogue["notary"])


def test_category_rename_refreshes_search_text_of_its_services(catalogue):
    category = catalogue["marriage"].category
    category.name_en = "Weddings and births"
    category.save()

    assert category_refresh_search_texts(category=category) == 1
    assert codes(service_search("weddings")) == ["marriage-registration"]
    assert category_refresh_search_texts(category=category) == 0  # nothing left to change


# --- the Python ranking used on SQLite, exercised without the database's help ---------


def test_python_ranking_orders_and_filters_without_postgres(catalogue, django_assert_num_queries):
    services = list(Service.objects.public().select_related("provider", "category"))

    with django_assert_num_queries(0):
        ranked = rank_services("pasprot", services)
        assert codes(ranked)[0] == "passport-issue"
        assert codes(rank_services("sexsiyyet vesiqesi", services))[0] == "id-card-issue"
        assert codes(rank_services("доверенность", services)) == ["power-of-attorney"]
        assert rank_services("kosmodrom", services) == []


def test_sqlite_path_ranks_the_whole_queryset_in_python(catalogue, monkeypatch):
    # Pretend the connection is SQLite: no trigram narrowing, same answers.
    monkeypatch.setattr(search.connection, "vendor", "sqlite")

    assert codes(service_search("pasport"))[:2] == ["passport-issue", "lost-document-notice"]
    assert codes(service_search("notarius"))[0] == "power-of-attorney"
    assert "hidden" not in codes(service_search("pasport"))


def test_postgres_and_python_paths_agree(catalogue, monkeypatch):
    queries = ["pasport", "sexsiyyet", "доверенность", "marriage", "mariage", "notarius", "vesiqesi"]
    on_postgres = {query: codes(service_search(query)) for query in queries}
    monkeypatch.setattr(search.connection, "vendor", "sqlite")
    in_python = {query: codes(service_search(query)) for query in queries}
    assert on_postgres == in_python


@pytest.mark.parametrize(
    ("term", "word", "expected"),
    [
        ("pasport", "pasport", search.WHOLE_WORD),
        ("pasport", "pasportunun", search.PREFIX),
        ("vesiqe", "sexsiyyetvesiqesi", search.INFIX),
        ("pasprot", "pasport", search.FUZZY_ONE_EDIT),
        ("pasprot", "pasportunun", search.FUZZY_ONE_EDIT),
        ("notarius", "notariat", search.STEM),  # same stem, another ending
        ("vesiqesi", "vesiqelerinin", search.STEM),
        ("notarius", "notaruis", search.FUZZY_ONE_EDIT),  # a swap of neighbours is one edit
        ("toy", "tor", 0.0),  # short words must be typed right
        ("pasport", "parlament", 0.0),
    ],
)
def test_term_match_levels(term, word, expected):
    assert term_match(term, word) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_any_query_answers_without_error_and_only_with_public_services(catalogue, query):
    results = service_search(query)
    assert all(service.is_published and service.is_active for service in results)
    assert len({service.pk for service in results}) == len(results)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_service_is_found_by_its_own_name_typed_without_diacritics(catalogue, data):
    service = data.draw(st.sampled_from(sorted(catalogue.values(), key=lambda s: s.code)))
    language = data.draw(st.sampled_from(["az", "en", "ru"]))
    name = getattr(service, f"name_{language}")
    typed = data.draw(st.sampled_from([name, name.upper(), name.lower(), fold(name)]))

    assert codes(service_search(typed))[0] == service.code
