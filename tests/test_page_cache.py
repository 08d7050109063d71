"""The cached catalogue part of the service and centre pages (asan_portal/page_cache.py, ADR 18).

Real Redis and PostgreSQL: a second request is served from the cache, and every kind of
catalogue change, the clock, the language and a dead cache each give the right page.
"""

import csv
import datetime as dt
import io
import re
import socket
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from asan_portal.page_cache import catalogue_version_bump
from asan_portal.ratelimit import breaker
from centres.models import Closure, OpeningHours
from services.catalogue_csv import catalogue_export_csv, catalogue_import_csv
from services.models import Service
from tests.centres.factories import CentreFactory, offer, weekday_hours
from tests.second_factor import verified_login
from tests.services.factories import ServiceFactory
from tests.services.test_admin import post_data_from_form_page

pytestmark = pytest.mark.django_db

BAKU = zoneinfo.ZoneInfo("Asia/Baku")
TUESDAY_NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=BAKU)
SERVICE_PAGE = "/{lang}/services/passport/"
CENTRE_PAGE = "/{lang}/centres/baku-1/"


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Baku, a Tuesday at noon, unless a test moves `clock.now`."""
    clock = Clock(TUESDAY_NOON)
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture(autouse=True)
def closed_breaker():
    """Each test starts with the cache in use, and leaves it so, whatever an earlier test tripped."""
    breaker.reset()
    yield
    breaker.reset()


@pytest.fixture
def passport():
    """The passport service, offered at Baku No. 1 (open Mon-Sat 09:00-19:00)."""
    service = ServiceFactory(
        code="passport", name_az="Pasportun verilməsi", name_en="Issue of a passport", name_ru="Выдача паспорта"
    )
    centre = CentreFactory(
        code="baku-1", name_az="Bakı 1 nömrəli mərkəz", name_en="Baku centre No. 1", name_ru="Бакинский центр № 1"
    )
    weekday_hours(centre)
    offer(centre, service)
    return service


def _main(response) -> str:
    """The page's <main>: what the cache serves (the header, nonce and menu around it are per request)."""
    assert response.status_code == 200
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def _pages(client, lang="en") -> tuple[str, str]:
    return _main(client.get(SERVICE_PAGE.format(lang=lang))), _main(client.get(CENTRE_PAGE.format(lang=lang)))


def test_second_request_is_served_from_the_cache_without_queries(client, passport, django_assert_num_queries):
    for page in (SERVICE_PAGE, CENTRE_PAGE):
        # given a page read once
        first = _main(client.get(page.format(lang="en")))
        # when it is read again, then nothing is asked of the database and the same content comes back
        with django_assert_num_queries(0):
            again = _main(client.get(page.format(lang="en")))
        assert again == first


def test_renaming_a_service_in_the_admin_shows_on_both_pages_at_once(client, passport):
    # given both pages cached
    service_page, centre_page = _pages(client)
    assert "Issue of a passport" in service_page and "Issue of a passport" in centre_page
    admin = get_user_model().objects.create_superuser("cache-admin", password="x")  # noqa: S106
    editor = client.__class__()
    verified_login(editor, admin)
    url = reverse("admin:services_service_change", args=[passport.pk])
    data = post_data_from_form_page(editor.get(url))

    # when a catalogue admin renames the service
    data["name_en"] = "Issue of a biometric passport"
    assert editor.post(url, data).status_code == 302

    # then the next request of each page shows the new name
    service_page, centre_page = _pages(client)
    assert "Issue of a biometric passport" in service_page
    assert "Issue of a biometric passport" in centre_page


def test_closing_a_centre_for_today_shows_on_both_pages_at_once(client, passport):
    service_page, centre_page = _pages(client)
    assert "Open now" in service_page and "Open now" in centre_page

    today = timezone.localdate()
    Closure.objects.create(centre=passport.offers.get().centre, starts_on=today, ends_on=today, reason_en="Repairs")

    service_page, centre_page = _pages(client)
    assert "Open now" not in service_page and "opens tomorrow at 09:00" in service_page
    assert "Open now" not in centre_page and "Repairs" in centre_page


def test_changing_opening_hours_shows_on_the_next_request(client, passport):
    _service_page, centre_page = _pages(client)
    assert "until 19:00" in centre_page

    tuesday = OpeningHours.objects.get(centre__code="baku-1", weekday=1)
    tuesday.closes_at = dt.time(17)
    tuesday.save()

    service_page, centre_page = _pages(client)
    assert "until 17:00" in service_page
    assert "until 17:00" in centre_page and "09:00–17:00" in centre_page


def test_languages_never_mix(client, passport):
    for lang, service_name, centre_name in (
        ("az", "Pasportun verilməsi", "Bakı 1 nömrəli mərkəz"),
        ("ru", "Выдача паспорта", "Бакинский центр № 1"),
        ("az", "Pasportun verilməsi", "Bakı 1 nömrəli mərkəz"),
    ):
        service_page, centre_page = _pages(client, lang)
        assert service_name in service_page and centre_name in service_page
        assert centre_name in centre_page and service_name in centre_page
        assert f'href="/{lang}/centres/baku-1/"' in service_page
        assert f'href="/{lang}/services/passport/"' in centre_page
        other = "Выдача паспорта" if lang == "az" else "Pasportun verilməsi"
        assert other not in service_page and other not in centre_page


def test_a_catalogue_import_shows_on_the_next_request(client, passport):
    _pages(client)
    exported = list(csv.DictReader(io.StringIO(catalogue_export_csv().lstrip("\ufeff"))))
    exported[0]["name_en"] = "Passport, imported"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(exported[0]))
    writer.writeheader()
    writer.writerows(exported)
    importer = get_user_model().objects.create_user("cache-importer", password="x")  # noqa: S106

    result = catalogue_import_csv(file=SimpleUploadedFile("catalogue.csv", out.getvalue().encode()), user=importer)

    assert not result.errors and result.updated == 1
    service_page, centre_page = _pages(client)
    assert "Passport, imported" in service_page and "Passport, imported" in centre_page


def test_a_write_without_signals_shows_once_the_writer_bumps_the_version(client, passport):
    # given both pages cached, and a bulk write (as load_demo's) that sends no signals
    _pages(client)
    Service.objects.filter(pk=passport.pk).update(name_en="Passport, bulk-loaded")
    assert "Passport, bulk-loaded" not in _pages(client)[0]

    # when the writer bumps the catalogue version, as the bulk loaders do at their end
    catalogue_version_bump()

    # then both pages show the write
    service_page, centre_page = _pages(client)
    assert "Passport, bulk-loaded" in service_page and "Passport, bulk-loaded" in centre_page


def test_a_cached_badge_ends_when_the_centre_closes(client, passport, clock):
    clock.now = dt.datetime(2026, 11, 24, 18, 59, 30, tzinfo=BAKU)
    service_page, centre_page = _pages(client)
    assert "until 19:00" in service_page and "until 19:00" in centre_page

    clock.now = dt.datetime(2026, 11, 24, 19, 0, 0, tzinfo=BAKU)

    service_page, centre_page = _pages(client)
    assert "Open now" not in service_page and "opens tomorrow at 09:00" in service_page
    assert "Open now" not in centre_page and "opens tomorrow at 09:00" in centre_page


def test_a_cached_centre_page_moves_today_at_midnight(client, passport, clock, django_assert_num_queries):
    clock.now = dt.datetime(2026, 11, 24, 23, 59, 0, tzinfo=BAKU)
    _pages(client)
    with django_assert_num_queries(0):  # still cached a minute before midnight
        centre_page = _main(client.get(CENTRE_PAGE.format(lang="en")))
    assert re.search(r'class="is-today">\s*<th scope="row">Tuesday', centre_page)

    clock.now = dt.datetime(2026, 11, 25, 0, 0, 1, tzinfo=BAKU)

    centre_page = _main(client.get(CENTRE_PAGE.format(lang="en")))
    assert re.search(r'class="is-today">\s*<th scope="row">Wednesday', centre_page)
    assert "opens at 09:00" in centre_page


def test_a_signed_in_visitor_does_not_leave_their_menu_in_the_cache(client, passport):
    # given the pages first rendered for a signed-in user
    user = get_user_model().objects.create_superuser("cache-visitor", password="x")  # noqa: S106
    signed_in = client.__class__()
    verified_login(signed_in, user)
    for page in (SERVICE_PAGE, CENTRE_PAGE):
        assert "Sign out" in signed_in.get(page.format(lang="en")).content.decode()

    # when an anonymous citizen reads them (from the cache), then they see no one's menu or token
    for page in (SERVICE_PAGE, CENTRE_PAGE):
        html = client.get(page.format(lang="en")).content.decode()
        assert "Sign out" not in html and "cache-visitor" not in html and "csrfmiddlewaretoken" not in html


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_pages_work_with_the_cache_unreachable(client, passport, settings):
    # given a cache on a port nobody listens on
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": settings.CACHE_OPTIONS,
        }
    }
    # when both pages are read (twice: the second time the breaker skips the cache), then they render
    for _ in range(2):
        service_page, centre_page = _pages(client)
        assert "Issue of a passport" in service_page and "Baku centre No. 1" in service_page
        assert "Baku centre No. 1" in centre_page and "Issue of a passport" in centre_page
    assert breaker.is_open()

    # and a catalogue write with the cache down still saves
    Service.objects.filter(pk=passport.pk).get().save()
