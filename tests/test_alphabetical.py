"""Lists of centres (and cities, services, providers) to choose from come in the alphabetical
order of the active language (asan_portal/alphabetical.py), not in code-point order, which put
"İmişli" and "Şəki" after "Tovuz"."""

import random
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from asan_portal.alphabetical import alphabetical
from asan_portal.roles import VOLUNTEER_COORDINATOR, role_grant
from centres.models import Centre
from feedback.complaint_forms import ComplaintFilterForm, ComplaintForm
from feedback.stats_forms import StatsFilterForm
from services.forms import ServiceFilterForm
from tests.centres.factories import CentreFactory, CityFactory
from volunteers.forms import ApplicationForm

ALPHABET = [
    "A",
    "B",
    "C",
    "Ç",
    "D",
    "E",
    "Ə",
    "F",
    "G",
    "Ğ",
    "H",
    "X",
    "I",
    "İ",
    "J",
    "K",
    "Q",
    "L",
    "M",
    "N",
    "O",
    "Ö",
    "P",
    "R",
    "S",
    "Ş",
    "T",
    "U",
    "Ü",
    "V",
    "Y",
    "Z",
]
NAMES = ["Şəki", "Sabirabad", "İmişli", "İsmayıllı", "Ağdam", "Bakı"]
IN_ORDER = ["Ağdam", "Bakı", "İmişli", "İsmayıllı", "Sabirabad", "Şəki"]


def _sorted(names: list[str]) -> list[str]:
    return [item.name for item in alphabetical([SimpleNamespace(name=name) for name in names])]


def test_names_follow_the_whole_azerbaijani_alphabet():
    names = [f"{letter}ab" for letter in ALPHABET]

    assert _sorted(random.Random(7).sample(names, len(names))) == names


def test_case_does_not_change_the_order_and_i_and_dotted_i_are_two_letters():
    assert _sorted(["Şab", "şaa", "səb", "Sab"]) == ["Sab", "səb", "şaa", "Şab"]
    assert _sorted(["ixa", "Ixb", "İxc", "ıxd"]) == ["Ixb", "ıxd", "ixa", "İxc"]


@pytest.fixture
def centres(db):
    city = CityFactory(code="rayon", name_az="Rayon", name_en="", name_ru="")
    return [CentreFactory(city=city, name_az=name, name_en="", name_ru="") for name in NAMES]


def _labels(choices) -> list[str]:
    return [str(label) for _value, label in choices if str(label) in NAMES]


FORMS = {
    "volunteer application": lambda: ApplicationForm().fields["preferred_centres"].choices,
    "complaint": lambda: ComplaintForm().fields["centre"].choices,
    "complaint filter": lambda: ComplaintFilterForm(centres=Centre.objects.all()).fields["centre"].choices,
    "dashboard filter": lambda: StatsFilterForm().fields["centre"].choices,
    "service filter": lambda: ServiceFilterForm().fields["centre"].choices,
}


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_the_forms_offer_centres_in_azerbaijani_order(centres, form):
    with translation.override("az"):
        assert _labels(form()) == IN_ORDER


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_without_english_names_the_azerbaijani_ones_keep_their_order_in_english(centres, form):
    with translation.override("en"):
        assert _labels(form()) == IN_ORDER


def test_the_order_follows_the_names_shown_in_the_active_language(centres):
    russian = {"Ağdam": "Агдам", "Bakı": "Баку", "Şəki": "Шеки"}
    for centre in centres:
        centre.name_ru = russian.get(centre.name_az, "")
        centre.save(update_fields=["name_ru"])

    with translation.override("ru"):
        labels = [str(label) for _value, label in ComplaintForm().fields["centre"].choices][1:]

    # Latin names (no Russian one yet) before Cyrillic, each script in its own order.
    assert [label for label in labels if label in {"İmişli", "Sabirabad", "Агдам", "Баку", "Шеки"}] == [
        "İmişli",
        "Sabirabad",
        "Агдам",
        "Баку",
        "Шеки",
    ]


def test_the_coordinators_coverage_page_lists_centres_in_azerbaijani_order(client, django_user_model, centres):
    coordinator = django_user_model.objects.create_user("alphabet-coordinator")
    role_grant(user=coordinator, role=VOLUNTEER_COORDINATOR)
    client.force_login(coordinator)

    with translation.override("az"):
        page = client.get(reverse("volunteers:coverage"))

    assert page.status_code == 200
    options = re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", page.content.decode())
    assert [name for name in options if name in NAMES] == IN_ORDER
