"""Issue 12, item 8: the admin's history pages and counter labels in every language.

django-simple-history ships no Azerbaijani catalogue and its Russian one under ru_RU, which
Django never loads for "ru": the history pages were half English on /az/ and /ru/, with
"None" for a change made by no one or without a reason. Counters had one label, written in
Azerbaijani, shown as it was on /en/ and /ru/."""

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from centres.demo import counter_plan
from centres.models import Counter
from tests.appointments.queue_factories import operator_at, queue_setup
from tests.centres.factories import CentreFactory
from tests.second_factor import verified_login
from tests.services.factories import ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db

# What the package's own templates print, in English whatever the language.
UNTRANSLATED = [
    "Choose a date from the list below",
    "Changed by",
    "Change reason",
    "Date/time",
    "Change history:",
    ">Created<",
    ">None<",
]
TRANSLATED = {
    "az": [
        "Dəyişikliklər tarixçəsi:",
        "Dəyişdirən",
        "Dəyişikliyin səbəbi",
        "Yaradılıb",
        "Dəyişdirilib",
        "Tarix və vaxt",
    ],
    "ru": ["История изменений:", "Кто изменил", "Причина изменения", "Создано", "Изменено", "Дата и время"],
}
LABELS = {"label_az": "Miqrasiya xidməti", "label_en": "Migration service", "label_ru": "Миграционная служба"}


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "a-long-password-1")
    verified_login(client, user)
    return user


def _text_of_cells(html: str) -> list[str]:
    """The text of each cell of the history table, tags removed."""
    start = html.index('id="change-history"')
    table = html[start : html.index("</table>", start)]
    return [" ".join(re.sub(r"<[^>]+>", " ", chunk.split("</td>")[0]).split()) for chunk in table.split("<td>")[1:]]


@pytest.mark.parametrize("language", ["az", "ru"])
def test_the_service_history_page_is_wholly_in_the_language_and_shows_a_dash_for_nothing(client, superuser, language):
    # given: a service created by a data load (no user, no reason), then renamed in the admin
    service = ServiceFactory(name_az="Pasportun verilməsi")
    service.name_en = "Issue of a passport"
    service._change_reason = "Typo"
    service.save()

    # when
    with translation.override(language):
        url = reverse("admin:services_service_history", args=[service.pk])
    response = client.get(url)

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert url.startswith(f"/{language}/")
    for english in UNTRANSLATED:
        assert english not in html, english
    for words in TRANSLATED[language]:
        assert words in html, words
    cells = _text_of_cells(html)
    assert "None" not in cells
    assert "—" in cells  # the data load: no one changed it and no reason was given
    assert "Typo" in cells


@pytest.mark.parametrize("language", ["az", "ru"])
def test_a_past_version_page_is_in_the_language(client, superuser, language):
    counter = Counter.objects.create(centre=CentreFactory(), number=5, **LABELS)
    record = counter.history.latest()
    with translation.override(language):
        url = reverse("admin:centres_counter_simple_history", args=[counter.pk, record.history_id])
    html = client.get(url).content.decode()
    assert "Press the 'Revert' button" not in html
    assert 'value="Revert"' not in html
    assert {"az": "Bu versiyaya qayıt", "ru": "Вернуться к этой версии"}[language] in html


# --- counter labels ----------------------------------------------------------------------------

EXPECTED_LABEL = {"az": "Miqrasiya xidməti", "en": "Migration service", "ru": "Миграционная служба"}
OTHER_LABELS = {
    "az": ["Migration service", "Миграционная служба"],
    "en": ["Miqrasiya xidməti", "Миграционная служба"],
    "ru": ["Miqrasiya xidməti", "Migration service"],
}
COUNTER_WORD = {"az": "1 nömrəli masa", "en": "Counter 1", "ru": "Окно 1"}


@pytest.fixture
def labelled_counter():
    service, centre = queue_setup(counters=1, letter="A")
    counter = Counter.objects.get(centre=centre, number=1)
    Counter.objects.filter(pk=counter.pk).update(**LABELS)
    return centre, Counter.objects.get(pk=counter.pk)


@pytest.mark.parametrize("language", ["az", "en", "ru"])
def test_the_queue_pages_show_the_counter_label_in_the_language(client, labelled_counter, language):
    centre, counter = labelled_counter
    client.force_login(operator_at(centre))
    with translation.override(language):
        home = client.get(reverse("queue:home", kwargs={"centre": centre.code}))
        screen = client.get(reverse("queue:counter", kwargs={"centre": centre.code, "counter": counter.pk}))
    for response in (home, screen):
        html = response.content.decode()
        assert response.status_code == 200
        assert EXPECTED_LABEL[language] in html
        assert COUNTER_WORD[language] in html
        for other in OTHER_LABELS[language]:
            assert other not in html


@pytest.mark.parametrize("language", ["az", "en", "ru"])
def test_the_admin_lists_counters_with_the_label_in_the_language(client, superuser, labelled_counter, language):
    with translation.override(language):
        html = client.get(reverse("admin:centres_counter_changelist")).content.decode()
    assert EXPECTED_LABEL[language] in html
    for other in OTHER_LABELS[language]:
        assert other not in html


@pytest.mark.parametrize("language", ["az", "en", "ru"])
def test_the_centre_api_gives_the_label_in_the_language_and_all_of_them(client, labelled_counter, language):
    centre, _counter = labelled_counter
    body = client.get(f"/api/v1/centres/{centre.code}/", {"lang": language}).json()
    [counter] = body["counters"]
    assert counter["label"] == EXPECTED_LABEL[language]
    assert counter["label_i18n"] == EXPECTED_LABEL


def test_an_untranslated_label_falls_back_to_azerbaijani(client, labelled_counter):
    centre, counter = labelled_counter
    Counter.objects.filter(pk=counter.pk).update(label_en="")
    body = client.get(f"/api/v1/centres/{centre.code}/", {"lang": "en"}).json()
    assert body["counters"][0]["label"] == "Miqrasiya xidməti"


# --- labels already in the database, and the demo's ----------------------------------------------

labels_from_provider_names = importlib.import_module(
    "centres.migrations.0004_counter_labels_from_provider_names"
).labels_from_provider_names


def test_the_upgrade_translates_labels_that_are_a_providers_name_and_leaves_the_rest():
    provider = ProviderFactory(name_az="Dövlət Miqrasiya Xidməti", name_en="State Migration Service", name_ru="ГМС")
    centre = CentreFactory()
    desk = Counter.objects.create(centre=centre, number=1, label_az=provider.name_az)
    own_words = Counter.objects.create(centre=centre, number=2, label_az="VIP masa")
    translated = Counter.objects.create(centre=centre, number=3, label_az=provider.name_az, label_en="Passports")

    labels_from_provider_names(apps, None)

    for counter in (desk, own_words, translated):
        counter.refresh_from_db()
    assert (desk.label_en, desk.label_ru) == ("State Migration Service", "ГМС")
    assert (own_words.label_en, own_words.label_ru) == ("", "")
    assert (translated.label_en, translated.label_ru) == ("Passports", "")  # someone's own words are kept


def test_the_demo_labels_each_desk_with_its_providers_in_every_language():
    one = ProviderFactory(name_az="Bir", name_en="One", name_ru="Один")
    two = ProviderFactory(name_az="İki", name_en="Two", name_ru="")
    services = [ServiceFactory(provider=one), ServiceFactory(provider=two)]

    plan = counter_plan(services, 1)  # more providers than desks: they share the one desk

    [(labels, _services)] = plan
    assert labels["label_az"] in ("Bir, İki", "İki, Bir")
    assert labels["label_en"] in ("One, Two", "Two, One")
    assert labels["label_ru"] == ""  # one name missing: Russian falls back to the Azerbaijani label
