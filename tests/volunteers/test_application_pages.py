"""The application form, the coordinator's review pages, the set-password link and portal sign-in."""

import random
import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from appointments.models import Notification
from asan_portal.roles import OPERATOR, VOLUNTEER_COORDINATOR, role_grant
from tests.centres.factories import CentreFactory
from tests.volunteers.factories import VolunteerApplicationFactory, VolunteerFactory, baku_today
from volunteers.applications import ApplicationNotAllowed, volunteer_password_link_send
from volunteers.models import ApplicationStatus, Volunteer, VolunteerApplication

pytestmark = pytest.mark.django_db

APPLY = "/az/volunteers/apply/"
EN_APPLY = "/en/volunteers/apply/"


def url(name, language="az", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def make_user(username, role=None):
    user = get_user_model().objects.create_user(username, password="asan-demo-2026")  # noqa: S106
    if role:
        role_grant(user=user, role=role)
    return user


def fresh_ip() -> str:
    """A client address no earlier run has used: the limiter's counters live in the shared Redis,
    which these tests do not clear (other suites run against it at the same time)."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def fresh_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.az"


@pytest.fixture
def centre():
    return CentreFactory()


def form_data(centre, **overrides):
    born = baku_today().replace(year=baku_today().year - 20, day=1)
    data = {
        "full_name": "Rəşad Əliyev",
        "date_of_birth": born.isoformat(),
        "phone": "+994 55 765 43 21",
        "email": "rashad@example.az",
        "education": "bachelor",
        "institution": "BDU",
        "languages": ["az", "ru"],
        "skills": "",
        "preferred_centres": [str(centre.pk)],
        "available_weekdays": ["1", "3"],
        "availability_note": "",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- the public form ------------------------------------------------------------------------------


def test_the_form_groups_its_fields_and_explains_consent(client, centre):
    response = client.get(APPLY)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") >= 5
    assert html.count("<legend") >= 5
    assert 'type="date"' in html
    assert 'id="consent-text"' in html
    assert 'aria-describedby="consent-text"' in html
    assert centre.name_az in html


def test_a_valid_application_goes_to_the_thank_you_page_and_is_acknowledged(client, centre):
    response = client.post(APPLY, form_data(centre))

    assert response.status_code == 302
    assert response["Location"] == url("volunteers:apply-thanks")
    application = VolunteerApplication.objects.get()
    assert application.language == "az"
    assert application.phone == "+994557654321"
    assert application.languages == ["az", "ru"]
    assert application.available_weekdays == [1, 3]
    assert Notification.objects.filter(kind="volunteer_application_received").count() == 2
    assert client.get(response["Location"]).status_code == 200


def test_an_application_in_english_keeps_its_language(client, centre):
    client.post(EN_APPLY, form_data(centre))
    assert VolunteerApplication.objects.get().language == "en"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date_of_birth": "2015-01-01"}, "date_of_birth", "at least 16 years old"),
        ({"date_of_birth": "not a date"}, "date_of_birth", "Enter a real date"),
        ({"consent": None}, "consent", "only consider your application with your consent"),
        ({"phone": "012 444 55 66"}, "phone", "Azerbaijani mobile number"),
        ({"preferred_centres": None}, "preferred_centres", "at least one centre"),
        ({"preferred_centres": ["999999"]}, "preferred_centres", "Select a valid choice"),
        # Beyond 64-bit integers: SQLite's lookup overflowed into a 500 (issue 12.14; tests/test_sqlite_path.py).
        ({"preferred_centres": ["12345678901234567890"]}, "preferred_centres", "Select a valid choice"),
        ({"preferred_centres": ["-99999999999999999999"]}, "preferred_centres", "Select a valid choice"),
        ({"languages": None}, "languages", "at least one language"),
        ({"languages": ["xx"]}, "languages", "Select a valid choice"),
        ({"available_weekdays": None}, "available_weekdays", "at least one day"),
        ({"email": "nope"}, "email", "valid email"),
    ],
)
def test_each_invalid_input_gets_a_400_with_its_message_and_nothing_saved(client, centre, overrides, field, message):
    response = client.post(EN_APPLY, form_data(centre, **overrides))

    assert response.status_code == 400
    assert message in " ".join(str(error) for error in response.context["form"].errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not VolunteerApplication.objects.exists()
    assert not Notification.objects.exists()


def test_a_second_pending_application_gets_the_clear_message(client, centre):
    client.post(EN_APPLY, form_data(centre))

    response = client.post(EN_APPLY, form_data(centre, email="RASHAD@example.az", phone="+994705556677"))

    assert response.status_code == 400
    assert "You already have an application waiting for review" in response.content.decode()
    assert VolunteerApplication.objects.count() == 1


def test_messages_are_translated_on_the_azerbaijani_page(client, centre):
    response = client.post(APPLY, form_data(centre, phone="12345"))

    assert response.status_code == 400
    assert "Azərbaycan mobil nömrəsini daxil edin" in response.content.decode()


def test_too_many_applications_from_one_address_get_429(client, centre, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "volunteer_apply": "1/h"}
    address = fresh_ip()
    assert client.post(APPLY, form_data(centre, phone="12345"), REMOTE_ADDR=address).status_code == 400

    response = client.post(APPLY, form_data(centre), REMOTE_ADDR=address)

    assert response.status_code == 429
    assert not VolunteerApplication.objects.exists()


# --- the coordinator's pages -----------------------------------------------------------------------


def test_the_review_pages_need_a_coordinator(client):
    application = VolunteerApplicationFactory()
    list_url = url("volunteers:application-list")
    detail_url = url("volunteers:application-detail", pk=application.pk)

    for target in (list_url, detail_url):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(url("login"))

    client.force_login(make_user("op", OPERATOR))
    assert client.get(list_url).status_code == 403
    assert client.get(detail_url).status_code == 403
    assert client.post(detail_url, {"action": "approve"}).status_code == 403

    client.force_login(VolunteerFactory().user)
    assert client.post(detail_url, {"action": "approve"}).status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not Volunteer.objects.filter(application=application).exists()


def test_the_list_shows_waiting_applications_oldest_first(client, django_assert_max_num_queries):
    first = VolunteerApplicationFactory(full_name="Birinci Namizəd")
    second = VolunteerApplicationFactory(full_name="İkinci Namizəd")
    VolunteerApplicationFactory(full_name="Rədd Edilən", status=ApplicationStatus.REJECTED, rejection_reason="x")
    client.force_login(make_user("coord", VOLUNTEER_COORDINATOR))

    # 12 for the list and 5 for a coordinator's staff menu (asan_portal/staff_menu.py).
    with django_assert_max_num_queries(12 + 5):
        response = client.get(url("volunteers:application-list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(first.full_name) < html.index(second.full_name)
    assert "Rədd Edilən" not in html
    rejected = client.get(url("volunteers:application-list"), {"status": "rejected"}).content.decode()
    assert "Rədd Edilən" in rejected and first.full_name not in rejected


def test_approving_on_the_page_makes_the_volunteer_once(client):
    application = VolunteerApplicationFactory()
    client.force_login(make_user("coord", VOLUNTEER_COORDINATOR))
    detail_url = url("volunteers:application-detail", pk=application.pk)
    page = client.get(detail_url).content.decode()
    assert 'value="approve"' in page and 'value="reject"' in page

    response = client.post(detail_url, {"action": "approve"})

    assert response.status_code == 302
    assert Volunteer.objects.filter(application=application).count() == 1
    again = client.post(detail_url, {"action": "approve"})
    assert again.status_code == 409
    assert Volunteer.objects.filter(application=application).count() == 1
    assert 'value="approve"' not in again.content.decode()


def test_rejecting_on_the_page_needs_a_reason(client):
    application = VolunteerApplicationFactory()
    client.force_login(make_user("coord", VOLUNTEER_COORDINATOR))
    detail_url = url("volunteers:application-detail", pk=application.pk, language="en")

    response = client.post(detail_url, {"action": "reject", "reason": "  "})

    assert response.status_code == 400
    assert "Write the reason" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    response = client.post(detail_url, {"action": "reject", "reason": "Bu mərkəzdə yer yoxdur."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED


def test_an_unknown_action_or_application_is_a_clear_4xx(client):
    application = VolunteerApplicationFactory()
    client.force_login(make_user("coord", VOLUNTEER_COORDINATOR))
    assert client.post(url("volunteers:application-detail", pk=application.pk), {"action": "x"}).status_code == 400
    assert client.get(url("volunteers:application-detail", pk=987654)).status_code == 404


# --- from approval to signing in -------------------------------------------------------------------


def _link_from_outbox():
    email = Notification.objects.get(kind="volunteer_application_approved", channel="email")
    return re.search(r"https?://\S+/set-password/\S+/", email.body).group(0)


def test_the_password_link_works_once_and_the_volunteer_signs_in_on_the_portal(client):
    application = VolunteerApplicationFactory(email="leyla@example.az")
    client.force_login(make_user("coord", VOLUNTEER_COORDINATOR))
    client.post(url("volunteers:application-detail", pk=application.pk), {"action": "approve"})
    client.logout()
    link = _link_from_outbox().split("://", 1)[1].split("/", 1)[1]
    link = "/" + link

    # Django moves the token into the session and shows the form at a token-less URL.
    opened = client.get(link)
    assert opened.status_code == 302
    form_url = opened["Location"]
    assert client.get(form_url).context["validlink"] is True
    saved = client.post(form_url, {"new_password1": "Könüllü-2026!x", "new_password2": "Könüllü-2026!x"})
    assert saved.status_code == 302
    assert saved["Location"] == url("login")

    # The same link again: refused, with a way on.
    reused = client.get(link, follow=True)
    assert reused.context["validlink"] is False
    assert reused.status_code == 404
    assert url("login") in reused.content.decode()

    # Sign in on the portal page (not the admin's) with the e-mail, any capitalisation.
    response = client.post(url("login"), {"username": "Leyla@Example.az", "password": "Könüllü-2026!x"})
    assert response.status_code == 302
    assert response["Location"] == url("volunteers:me")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "link",
    [
        "/en/volunteers/account/set-password/MQ/cbz8v5-0123456789abcdef0123456789abcdef/",
        "/en/volunteers/account/set-password/not-base64/not-a-token/",
        "/en/volunteers/account/set-password/MQ/choose/",
    ],
)
def test_a_wrong_password_link_is_a_404_with_a_way_on(client, link):
    VolunteerFactory()

    for response in (client.get(link), client.post(link, {"new_password1": "x", "new_password2": "x"})):
        assert response.status_code == 404
        assert response.context["validlink"] is False
        assert "This link has already been used or has expired." in response.content.decode()
        assert url("login", language="en") in response.content.decode()


def test_a_wrong_password_gets_a_clear_message(client):
    VolunteerFactory(user__username="vusal@example.az")
    response = client.post(url("login", language="en"), {"username": "vusal@example.az", "password": "wrong"})
    assert response.status_code == 200
    assert "correct" in response.content.decode()


def test_sign_in_honours_next_and_staff_land_in_the_admin(client):
    volunteer = VolunteerFactory()
    response = client.post(
        url("login") + "?next=/az/volunteers/shifts/",
        {"username": volunteer.user.username, "password": "asan-demo-2026", "next": "/az/volunteers/shifts/"},
    )
    assert response["Location"] == "/az/volunteers/shifts/"
    client.logout()

    make_user("coord", VOLUNTEER_COORDINATOR)
    response = client.post(url("login"), {"username": "coord", "password": "asan-demo-2026"})
    assert response["Location"] == url("volunteers:application-list")


def test_sign_out_is_post_only(client):
    volunteer = VolunteerFactory()
    client.force_login(volunteer.user)
    assert client.get(url("logout")).status_code == 405
    response = client.post(url("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_footer_links_to_applying_and_signing_in(client):
    html = client.get("/az/").content.decode()
    assert url("volunteers:apply") in html
    assert url("login") in html


def test_the_admin_login_still_refuses_a_volunteer(client):
    volunteer = VolunteerFactory()
    response = client.post(url("admin:login"), {"username": volunteer.user.username, "password": "asan-demo-2026"})
    assert response.status_code == 200  # the admin's form again: volunteers are not staff
    assert not volunteer.user.is_staff


def test_a_coordinator_can_send_a_new_password_link(client):
    application = VolunteerApplicationFactory(email="samir@example.az")
    client.force_login(make_user("coord", VOLUNTEER_COORDINATOR))
    detail_url = url("volunteers:application-detail", pk=application.pk)
    client.post(detail_url, {"action": "approve"})
    assert 'value="resend_link"' in client.get(detail_url).content.decode()

    response = client.post(detail_url, {"action": "resend_link"})

    assert response.status_code == 302
    resent = Notification.objects.filter(kind="volunteer_password_link")
    assert sorted(n.channel for n in resent) == ["email", "sms"]
    email = resent.get(channel="email")
    link = "/" + re.search(r"https?://\S+/set-password/\S+/", email.body).group(0).split("://", 1)[1].split("/", 1)[1]
    client.logout()
    opened = client.get(link)
    assert client.get(opened["Location"]).context["validlink"] is True


def test_only_a_coordinator_can_send_a_password_link(client):
    volunteer = VolunteerFactory()
    with pytest.raises(ApplicationNotAllowed):
        volunteer_password_link_send(volunteer=volunteer, by=volunteer.user)
    assert not Notification.objects.exists()


# --- forgotten passwords and guessing ---------------------------------------------------------------


def test_a_volunteer_who_forgot_the_password_gets_a_link_and_others_the_same_page(client):
    VolunteerFactory(user__username="aynur@example.az", email="aynur@example.az")
    forgot = url("volunteers:password-forgot", language="en")
    assert url("volunteers:password-forgot") in client.get(url("login")).content.decode()

    response = client.post(forgot, {"email": "Aynur@Example.az"})
    unknown = client.post(forgot, {"email": "nobody@example.az"})

    assert response.status_code == unknown.status_code == 302
    assert response["Location"] == unknown["Location"] == url("volunteers:password-forgot-done", language="en")
    sent = Notification.objects.filter(kind="volunteer_password_link")
    assert {(n.channel, n.recipient) for n in sent if n.channel == "email"} == {("email", "aynur@example.az")}
    assert client.post(forgot, {"email": "not an address"}).status_code == 400


def test_forgot_password_is_rate_limited_per_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "volunteer_password_link": "1/h"}
    email = fresh_email("elvin")
    VolunteerFactory(user__username=email)
    forgot = url("volunteers:password-forgot")
    assert client.post(forgot, {"email": email}, REMOTE_ADDR=fresh_ip()).status_code == 302

    # Another address, the same e-mail: the per-e-mail count refuses it.
    again = client.post(forgot, {"email": email}, REMOTE_ADDR=fresh_ip())

    assert again.status_code == 429
    assert Notification.objects.filter(kind="volunteer_password_link", channel="email").count() == 1


def test_password_guessing_is_limited_per_account(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "portal_login": "2/600"}
    username = fresh_email("guess")
    volunteer = VolunteerFactory(user__username=username)
    login = url("login", language="en")
    for _attempt in range(2):
        assert client.post(login, {"username": username, "password": "wrong"}).status_code == 200

    refused = client.post(login, {"username": username, "password": "asan-demo-2026"})

    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    volunteer.user.refresh_from_db()
    assert volunteer.user.last_login is None
