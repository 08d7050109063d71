import datetime as dt
import io
import json
import re
import shutil

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q

from appointments.models import PriorityGroup, Ticket
from asan_portal import roles
from asan_portal.azerbaijani import fold
from centres import demo as centres_demo
from centres.models import Centre, CentreKind, CentreService, Counter, MobileStop, PublicHoliday, StaffMembership
from feedback.models import CentreDay, Rating
from services.demo import DEMO_DATA_DIR, DemoDataError, catalogue_load_demo
from services.models import Provider, ProviderKind, Service

pytestmark = pytest.mark.django_db


def load(*args, history: bool = False) -> str:
    """Run load_demo; without the year of visits unless `history` (it takes seconds)."""
    out = io.StringIO()
    call_command("load_demo", *args, *(() if history else ("--no-history",)), stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows in every table of our apps, history tables and the counter-service links included."""
    counts = {}
    for app_label in ("services", "centres", "volunteers"):
        for model in apps.get_app_config(app_label).get_models():
            counts[model._meta.label] = model.objects.count()
    counts["counter_services"] = Counter.services.through.objects.count()
    counts["users"] = get_user_model().objects.count()
    counts["tickets"] = Ticket.objects.count()
    counts["priority_groups"] = PriorityGroup.objects.count()
    counts["priority_group_history"] = PriorityGroup.history.count()
    counts["ratings"] = Rating.objects.count()
    counts["centre_days"] = CentreDay.objects.count()
    return counts


def test_demo_catalogue_is_big_enough_and_searchable():
    load()

    published = Service.objects.filter(is_published=True, is_active=True)
    assert published.count() >= 360
    assert Provider.objects.count() >= 15
    assert Provider.objects.filter(kind=ProviderKind.STATE).exists()
    assert Provider.objects.filter(kind=ProviderKind.PRIVATE).exists()
    assert not Service.objects.filter(search_text="").exists()
    service = published.order_by("code").first()
    assert fold(service.name_az) in service.search_text


def test_demo_centres_have_hours_or_stops_counters_and_services():
    load()

    centres = Centre.objects.annotate(
        n_hours=Count("opening_hours", distinct=True),
        n_stops=Count("stops", distinct=True),
        n_counters=Count("counters", filter=Q(counters__is_active=True), distinct=True),
        n_offered=Count("offers", distinct=True),
    )
    assert centres.count() >= 20
    assert centres.filter(kind=CentreKind.UTILITIES).exists()
    assert centres.filter(kind=CentreKind.MOBILE).count() >= 2
    for centre in centres:
        assert centre.n_hours or centre.n_stops, centre.code
        assert centre.n_offered, centre.code
        low, high = (3, 5) if centre.kind == CentreKind.MOBILE else (12, 40)
        assert low <= centre.n_counters <= high, (centre.code, centre.n_counters)
    assert not Service.objects.public().filter(offers__isnull=True).exists(), "a service offered nowhere"


def test_every_offered_service_has_a_counter_of_its_provider():
    load()

    offered = set(CentreService.objects.values_list("centre_id", "service_id"))
    handled = set(
        Counter.objects.filter(is_active=True, services__isnull=False).values_list("centre_id", "services__id")
    )
    assert offered and offered <= handled
    # Stationary halls have one desk per provider: a counter's services share its label's provider.
    for counter in Counter.objects.filter(centre__code="baku-1").prefetch_related("services__provider"):
        providers = {service.provider.name_az for service in counter.services.all()}
        assert providers == {counter.label}, counter.number


def test_offer_rules_by_kind_of_centre():
    load()

    baku_1 = set(CentreService.objects.filter(centre__code="baku-1").values_list("service__category__code", flat=True))
    regional = set(CentreService.objects.filter(centre__code="quba").values_list("service__category__code", flat=True))
    utilities = set(
        CentreService.objects.filter(centre__kind=CentreKind.UTILITIES).values_list(
            "service__category__code", flat=True
        )
    )
    mobile_count = CentreService.objects.filter(centre__code="mobile-bus-1").count()

    assert "consular" in baku_1 and "consular" not in regional
    assert utilities and utilities <= set(centres_demo.UTILITIES_CENTRE_CATEGORIES)
    assert 0 < mobile_count < CentreService.objects.filter(centre__code="baku-1").count() / 3


def test_second_run_changes_nothing():
    # with a week of visits history (the full year is tested in tests/feedback/test_demo_history.py)
    first = load("--history-days", "7", history=True)
    counts = row_counts()
    users = {u.username: (u.password, u.last_login) for u in get_user_model().objects.all()}

    second = load("--history-days", "7", history=True)

    assert row_counts() == counts
    assert {u.username: (u.password, u.last_login) for u in get_user_model().objects.all()} == users
    assert "Changes: none" in second
    assert "Changes: none" not in first
    assert "Demo data loaded in" in second
    assert counts["tickets"] and counts["ratings"] and counts["centre_days"]
    assert re.search(r"Visits history: \d+ visits, \d+ ratings over 7 days in [\d.]+ s\.", first)
    assert "Visits history: already loaded up to" in second


def test_demo_volunteer_signs_in_with_a_history_and_coming_shifts(client):
    from volunteers.models import Attendance, Shift, SignupStatus, Volunteer, VolunteerApplication

    load()

    volunteer = Volunteer.objects.get(user__username="volunteer")
    assert roles.user_has_role(volunteer.user, roles.VOLUNTEER)
    places = volunteer.signups.filter(status=SignupStatus.SIGNED_UP)
    assert places.filter(attendance=Attendance.PRESENT, minutes_served__gt=0).exists()
    assert places.filter(shift__starts_at__gt=dt.datetime.now(dt.UTC)).count() >= 1
    # Places taken agree with the sign-ups the demo made, on every shift.
    for shift in Shift.objects.all():
        assert shift.taken == shift.signups.filter(status=SignupStatus.SIGNED_UP).count()
    assert VolunteerApplication.objects.filter(status="submitted").count() == 3
    assert client.login(username="volunteer", password=centres_demo.DEMO_PASSWORD)


def test_demo_users_have_their_roles_and_memberships():
    output = load()

    user_model = get_user_model()
    admin = user_model.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(centres_demo.DEMO_PASSWORD)
    expected = {
        "catalogue": roles.CATALOGUE_ADMIN,
        "official": roles.OFFICIAL,
        "manager": roles.CENTRE_MANAGER,
        "operator": roles.OPERATOR,
        "coordinator": roles.VOLUNTEER_COORDINATOR,
    }
    for username, role in expected.items():
        user = user_model.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert roles.user_has_role(user, role)
        assert user.check_password(centres_demo.DEMO_PASSWORD)
        assert username in output
    memberships = set(StaffMembership.objects.values_list("user__username", "centre__code", "role"))
    assert memberships == {("manager", "baku-1", "manager"), ("operator", "baku-1", "operator")}
    assert centres_demo.DEMO_PASSWORD in output


def test_demo_admin_and_catalogue_get_an_authenticator_whose_key_is_printed(client, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from asan_portal.second_factor import device_secret
    from tests.second_factor import totp_code

    output = load()

    devices = {d.user.username: d for d in TOTPDevice.objects.select_related("user")}
    assert set(devices) == {"admin", "catalogue"}
    assert all(device.confirmed for device in devices.values())
    for device in devices.values():
        assert device_secret(device) in output
        assert device.config_url in output
    assert "demo_totp_code" in output
    load()
    assert set(TOTPDevice.objects.values_list("pk", flat=True)) == {d.pk for d in devices.values()}

    # the demo login works: password, then the code the app (or demo_totp_code) shows
    response = client.post("/en/accounts/login/", {"username": "admin", "password": centres_demo.DEMO_PASSWORD})
    assert response["Location"] == "/en/admin/"
    assert client.get("/en/admin/")["Location"].startswith("/en/accounts/two-factor/")
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_totp_code", "admin", stdout=out)
    assert out.getvalue().strip() == totp_code(devices["admin"])
    client.post("/en/accounts/two-factor/", {"token": out.getvalue().strip()})
    assert client.get("/en/admin/").status_code == 200
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_totp_code", "admin", stdout=io.StringIO())


def test_existing_user_keeps_its_password_but_gets_its_role():
    user = get_user_model().objects.create_user(username="operator", password="my-own-secret-1")

    load()

    user.refresh_from_db()
    assert user.check_password("my-own-secret-1")
    assert roles.user_has_role(user, roles.OPERATOR)
    assert StaffMembership.objects.filter(user=user, centre__code="baku-1", role="operator").exists()


def test_if_empty_loads_an_empty_database_and_skips_a_filled_one():
    output = load("--if-empty")
    assert Service.objects.exists()
    assert "Demo data loaded" in output

    Service.objects.filter(code=Service.objects.order_by("code").first().code).update(name_en="Edited")
    counts = row_counts()
    output = load("--if-empty")

    assert "not loaded" in output
    assert row_counts() == counts
    assert Service.objects.filter(name_en="Edited").exists()


def test_mobile_stops_cover_the_next_30_days_except_holidays():
    # given a load on Monday 28.12.2026: Thursday 31.12 is a public holiday
    catalogue_load_demo()
    centres_demo.centres_load_demo(today=dt.date(2026, 12, 28))

    stops = MobileStop.objects.filter(centre__code="mobile-bus-1")
    dates = set(stops.values_list("date", flat=True))
    holidays = set(PublicHoliday.objects.values_list("date", flat=True))
    assert min(dates) >= dt.date(2026, 12, 28)
    assert max(dates) <= dt.date(2027, 1, 26)
    assert dt.date(2026, 12, 31) not in dates  # Thursday, on the route, but a holiday
    assert dt.date(2027, 1, 7) in dates  # the next Thursday
    assert not dates & holidays
    assert not any(day.weekday() == 6 for day in dates)  # no Sunday on this route
    assert all(stop.place_az and stop.place_en and stop.place_ru for stop in stops)

    # a later load adds the new days and keeps one stop per (centre, date)
    centres_demo.centres_load_demo(today=dt.date(2027, 1, 4))
    later = MobileStop.objects.filter(centre__code="mobile-bus-1")
    assert later.filter(date__gt=dt.date(2027, 1, 26)).exists()
    assert later.values("date").annotate(n=Count("id")).filter(n__gt=1).count() == 0


def test_demo_closures_and_holidays():
    catalogue_load_demo()
    centres_demo.centres_load_demo(today=dt.date(2026, 11, 25))

    holidays = set(PublicHoliday.objects.values_list("date", flat=True))
    for year in (2026, 2027):
        for month, day in [(1, 1), (1, 2), (3, 8), (3, 20), (3, 24), (5, 9), (5, 28), (6, 15), (6, 26), (11, 8)]:
            assert dt.date(year, month, day) in holidays
        assert dt.date(year, 11, 9) in holidays and dt.date(year, 12, 31) in holidays
    assert not PublicHoliday.objects.filter(Q(name_en="") | Q(name_ru="")).exists()
    closures = Centre.objects.get(code="guba").closures.all()
    assert [(c.starts_on, c.ends_on) for c in closures] == [(dt.date(2026, 12, 5), dt.date(2026, 12, 6))]

    # the same day again: nothing new; once it is past, a new one is planned
    centres_demo.centres_load_demo(today=dt.date(2026, 11, 25))
    assert closures.count() == 1
    centres_demo.centres_load_demo(today=dt.date(2026, 12, 10))
    assert closures.filter(starts_on=dt.date(2026, 12, 20)).exists()


def copy_demo_catalogue(tmp_path):
    directory = tmp_path / "demo_data"
    shutil.copytree(DEMO_DATA_DIR, directory)
    return directory


def test_bad_service_names_file_and_code_and_writes_nothing(tmp_path):
    directory = copy_demo_catalogue(tmp_path)
    (directory / "zz-broken.json").write_text(
        json.dumps(
            {
                "services": [
                    {
                        "code": "broken-service",
                        "provider": "no-such-provider",
                        "category": "notary",
                        "name": {"az": "Sınaq"},
                    }
                ]
            }
        ),
        encoding="utf-8",
    )

    with pytest.raises(DemoDataError) as error:
        catalogue_load_demo(directory=directory)

    assert "zz-broken.json" in str(error.value)
    assert "broken-service" in str(error.value)
    assert "no-such-provider" in str(error.value)
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("service", "message"),
    [
        ({"fee_azn": "-5"}, "fee_azn"),
        ({"fee_azn": "five"}, "fee_azn"),
        ({"duration_minutes": 2}, "duration_minutes"),
        ({"processing_days_kind": "lunar"}, "processing_days_kind"),
        ({"code": "Bad Code"}, "Bad Code"),
        ({"name": {"en": "No Azerbaijani"}}, "Azerbaijani"),
        ({"category": "no-such-category"}, "no-such-category"),
    ],
)
def test_malformed_service_is_refused_with_a_clear_message(tmp_path, service, message):
    directory = tmp_path / "demo_data"
    directory.mkdir()
    shutil.copy(DEMO_DATA_DIR / "categories.json", directory)
    good = {
        "code": "sample-service",
        "provider": "sample",
        "category": "notary",
        "name": {"az": "Nümunə", "en": "Sample", "ru": "Образец"},
        "fee_azn": "5",
    }
    data = {
        "providers": [{"code": "sample", "kind": "state", "name": {"az": "Nümunə qurum"}}],
        "services": [good | service],
    }
    (directory / "sample.json").write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(DemoDataError, match=message) as error:
        catalogue_load_demo(directory=directory)

    assert str(error.value).startswith("sample.json: ")


def test_duplicate_service_code_across_files_is_refused(tmp_path):
    directory = tmp_path / "demo_data"
    directory.mkdir()
    shutil.copy(DEMO_DATA_DIR / "categories.json", directory)
    provider = {"code": "sample", "kind": "state", "name": {"az": "Nümunə qurum"}}
    service = {"code": "twice", "provider": "sample", "category": "notary", "name": {"az": "İki dəfə"}}
    (directory / "a.json").write_text(json.dumps({"providers": [provider], "services": [service]}), encoding="utf-8")
    (directory / "b.json").write_text(json.dumps({"services": [service]}), encoding="utf-8")

    with pytest.raises(DemoDataError, match=r"b\.json: service twice: code already used in a\.json"):
        catalogue_load_demo(directory=directory)


def test_command_reports_bad_data_as_a_command_error(tmp_path, monkeypatch):
    directory = copy_demo_catalogue(tmp_path)
    (directory / "zz-broken.json").write_text("{not json", encoding="utf-8")
    monkeypatch.setattr("services.demo.DEMO_DATA_DIR", directory)

    with pytest.raises(CommandError, match="zz-broken.json"):
        load()


def test_changed_demo_file_updates_the_service_and_its_documents(tmp_path):
    directory = tmp_path / "demo_data"
    directory.mkdir()
    shutil.copy(DEMO_DATA_DIR / "categories.json", directory)
    service = {
        "code": "sample-service",
        "provider": "sample",
        "category": "notary",
        "name": {"az": "Nümunə", "en": "Sample", "ru": "Образец"},
        "fee_azn": "5",
        "documents": [{"az": "Şəxsiyyət vəsiqəsi"}],
    }
    provider = {"code": "sample", "kind": "state", "name": {"az": "Nümunə qurum"}}
    path = directory / "sample.json"
    path.write_text(json.dumps({"providers": [provider], "services": [service]}), encoding="utf-8")
    catalogue_load_demo(directory=directory)
    loaded = Service.objects.get(code="sample-service")

    service |= {"fee_azn": "7.50", "documents": [{"az": "Şəxsiyyət vəsiqəsi"}, {"az": "Ərizə"}]}
    path.write_text(json.dumps({"providers": [provider], "services": [service]}), encoding="utf-8")
    result = catalogue_load_demo(directory=directory)

    loaded.refresh_from_db()
    assert str(loaded.fee_azn) == "7.50"
    assert list(loaded.documents.values_list("name_az", flat=True)) == ["Şəxsiyyət vəsiqəsi", "Ərizə"]
    assert loaded.history.count() == 2
    assert result.updated == {"services": 1}
