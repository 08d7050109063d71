"""volunteers.applications: submitting, approving and rejecting applications to volunteer."""

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone, translation

from appointments.models import Notification
from asan_portal.roles import OPERATOR, VOLUNTEER, VOLUNTEER_COORDINATOR, role_grant, user_has_role
from tests.centres.factories import CentreFactory
from tests.volunteers.factories import VolunteerApplicationFactory
from volunteers.applications import (
    AccountExists,
    ApplicationAlreadyDecided,
    ApplicationInvalid,
    ApplicationNotAllowed,
    age_on,
    application_approve,
    application_list,
    application_reject,
    application_submit,
)
from volunteers.models import ApplicationStatus, Volunteer, VolunteerApplication

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)  # 13:00 in Baku


def coordinator(username="coord"):
    user = get_user_model().objects.create_user(username, password="x")  # noqa: S106
    role_grant(user=user, role=VOLUNTEER_COORDINATOR)
    return user


def details(**overrides):
    data = {
        "full_name": "Aysel Məmmədova",
        "email": "Aysel@Example.az",
        "phone": "050 123 45 67",
        "date_of_birth": dt.date(2005, 3, 1),
        "education": "student",
        "languages": ["az", "en"],
        "preferred_centres": [CentreFactory()],
        "available_weekdays": [0, 5],
        "consent": True,
        "institution": "ADA",
        "skills": "Kompüter",
        "language": "az",
        "now": NOW,
    }
    data.update(overrides)
    return data


def outbox(kind=None):
    queryset = Notification.objects.all()
    return list(queryset.filter(kind=kind) if kind else queryset)


# --- submitting -----------------------------------------------------------------------------------


def test_a_valid_application_is_saved_normalised_and_acknowledged():
    application = application_submit(**details())

    assert application.status == ApplicationStatus.SUBMITTED
    assert application.email == "aysel@example.az"
    assert application.phone == "+994501234567"
    assert application.consent_at == NOW
    assert application.languages == ["az", "en"]
    assert application.available_weekdays == [0, 5]
    assert application.preferred_centres.count() == 1
    sent = {(n.channel, n.recipient) for n in outbox("volunteer_application_received")}
    assert sent == {("sms", "+994501234567"), ("email", "aysel@example.az")}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date_of_birth": dt.date(2010, 6, 16)}, "date_of_birth", "at least 16 years old"),
        ({"date_of_birth": dt.date(2030, 1, 1)}, "date_of_birth", "does not look right"),
        ({"date_of_birth": dt.date(1930, 1, 1)}, "date_of_birth", "does not look right"),
        ({"date_of_birth": None}, "date_of_birth", "Enter your date of birth"),
        ({"consent": False}, "consent", "consent"),
        ({"phone": "+994 12 345 67 89"}, "phone", "Azerbaijani mobile number"),
        ({"phone": "12345"}, "phone", "Azerbaijani mobile number"),
        ({"preferred_centres": []}, "preferred_centres", "at least one centre"),
        ({"languages": []}, "languages", "at least one language"),
        ({"languages": ["az", "klingon"]}, "languages", "Choose from the list"),
        ({"available_weekdays": []}, "available_weekdays", "at least one day"),
        ({"available_weekdays": [9]}, "available_weekdays", "Choose from the list"),
        ({"education": "phd"}, "education", "education"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"email": ""}, "email", "e-mail address"),
        ({"full_name": "A"}, "full_name", "full name"),
    ],
)
def test_invalid_applications_are_refused_with_a_message_and_nothing_saved(overrides, field, message):
    with translation.override("en"), pytest.raises(ApplicationInvalid) as refused:
        application_submit(**details(**overrides))

    assert refused.value.status_code == 400
    assert message.lower() in " ".join(refused.value.fields[field]).lower()
    assert not VolunteerApplication.objects.exists()
    assert not outbox()


def test_an_inactive_centre_cannot_be_chosen():
    closed = CentreFactory(is_active=False)
    with pytest.raises(ApplicationInvalid) as refused:
        application_submit(**details(preferred_centres=[closed]))
    assert "preferred_centres" in refused.value.fields


def test_the_minimum_age_is_reached_on_the_birthday_in_baku():
    # 9:00 UTC on 15 June is already 15 June in Baku: a 16th birthday that day is enough.
    application = application_submit(**details(date_of_birth=dt.date(2010, 6, 15)))
    assert application.pk
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18


def test_the_minimum_age_comes_from_the_settings(settings):
    settings.VOLUNTEERS = {**settings.VOLUNTEERS, "MIN_AGE": 18}
    with pytest.raises(ApplicationInvalid) as refused:
        application_submit(**details(date_of_birth=dt.date(2009, 1, 1)))
    assert "at least 18" in refused.value.fields["date_of_birth"][0]


def test_the_refusal_is_in_the_language_of_the_request():
    with translation.override("az"), pytest.raises(ApplicationInvalid) as refused:
        application_submit(**details(phone="12345"))
    assert refused.value.fields["phone"] == ["Azərbaycan mobil nömrəsini daxil edin, məsələn, +994 50 123 45 67."]


def test_a_second_pending_application_from_the_same_email_is_refused_clearly():
    application_submit(**details())

    with pytest.raises(ApplicationInvalid) as refused:
        application_submit(**details(email="AYSEL@example.az", phone="+994551234567"))

    assert "already have an application waiting for review" in refused.value.message
    assert refused.value.fields["email"]
    assert VolunteerApplication.objects.count() == 1


def test_after_a_decision_the_same_person_may_apply_again():
    first = application_submit(**details())
    application_reject(application=first, by=coordinator(), reason="Hələlik yer yoxdur.", now=NOW)

    again = application_submit(**details())

    assert again.pk != first.pk


def test_an_existing_volunteer_account_cannot_apply_again():
    application = application_submit(**details())
    application_approve(application=application, by=coordinator(), now=NOW)

    with pytest.raises(ApplicationInvalid) as refused:
        application_submit(**details())
    assert "Sign in" in refused.value.fields["email"][0]


# --- approving --------------------------------------------------------------------------------


def test_approving_makes_one_account_volunteer_and_messages():
    application = application_submit(**details())
    boss = coordinator()

    volunteer = application_approve(application=application, by=boss, now=NOW)

    user = volunteer.user
    assert user.username == "aysel@example.az"
    assert not user.has_usable_password()
    assert not user.is_staff
    assert user_has_role(user, VOLUNTEER)
    assert volunteer.application == application
    assert list(volunteer.centres.all()) == list(application.preferred_centres.all())
    assert volunteer.programme_started_on == dt.date(2026, 6, 15)
    assert len(volunteer.calendar_token) >= 40
    application.refresh_from_db()
    assert (application.status, application.reviewed_by, application.reviewed_at) == (
        ApplicationStatus.APPROVED,
        boss,
        NOW,
    )
    approved = outbox("volunteer_application_approved")
    assert sorted(n.channel for n in approved) == ["email", "sms"]
    email = next(n for n in approved if n.channel == "email")
    assert "/az/volunteers/account/set-password/" in email.body
    assert email.language == "az"


def test_approving_twice_is_a_conflict_and_leaves_one_account():
    application = application_submit(**details())
    boss = coordinator()
    application_approve(application=application, by=boss, now=NOW)

    with pytest.raises(ApplicationAlreadyDecided) as refused:
        application_approve(application=application, by=boss, now=NOW)

    assert refused.value.status_code == 409
    assert get_user_model().objects.filter(username="aysel@example.az").count() == 1
    assert Volunteer.objects.count() == 1
    assert len(outbox("volunteer_application_approved")) == 2  # one SMS, one e-mail, once


@pytest.mark.parametrize("role", [None, OPERATOR, VOLUNTEER])
def test_only_a_coordinator_may_decide(role):
    application = VolunteerApplicationFactory()
    user = get_user_model().objects.create_user("someone", password="x")  # noqa: S106
    if role:
        role_grant(user=user, role=role)

    with pytest.raises(ApplicationNotAllowed):
        application_approve(application=application, by=user, now=NOW)
    with pytest.raises(ApplicationNotAllowed):
        application_reject(application=application, by=user, reason="Yox", now=NOW)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not Volunteer.objects.exists()


def test_a_superuser_may_decide():
    admin = get_user_model().objects.create_superuser("root", password="x")  # noqa: S106
    volunteer = application_approve(application=VolunteerApplicationFactory(), by=admin, now=NOW)
    assert volunteer.pk


def test_an_account_with_the_same_username_is_not_taken_over():
    application = VolunteerApplicationFactory(email="taken@example.az")
    get_user_model().objects.create_user("taken@example.az", password="x")  # noqa: S106

    with pytest.raises(AccountExists):
        application_approve(application=application, by=coordinator(), now=NOW)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not Volunteer.objects.exists()


# --- rejecting --------------------------------------------------------------------------------


def test_rejecting_needs_a_reason():
    application = VolunteerApplicationFactory()
    with pytest.raises(ApplicationInvalid) as refused:
        application_reject(application=application, by=coordinator(), reason="   ", now=NOW)
    assert refused.value.fields["reason"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not outbox()


def test_rejecting_tells_the_applicant_the_reason_in_their_language():
    application = VolunteerApplicationFactory(language="ru")

    application_reject(application=application, by=coordinator(), reason="Нет мест в этом центре.", now=NOW)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == "Нет мест в этом центре."
    messages = outbox("volunteer_application_rejected")
    assert sorted(n.channel for n in messages) == ["email", "sms"]
    email = next(n for n in messages if n.channel == "email")
    assert "Нет мест в этом центре." in email.body
    assert email.language == "ru"
    with pytest.raises(ApplicationAlreadyDecided):
        application_approve(application=application, by=coordinator("other"), now=NOW)


def test_the_review_list_is_oldest_first_and_filters_by_status():
    older = VolunteerApplicationFactory()
    newer = VolunteerApplicationFactory()
    decided = VolunteerApplicationFactory()
    VolunteerApplication.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    application_reject(application=decided, by=coordinator(), reason="Yox", now=NOW)

    assert list(application_list()) == [older, newer]
    assert list(application_list(status=ApplicationStatus.REJECTED)) == [decided]
    assert len(application_list(status=None)) == 3


# --- two coordinators at once -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_two_coordinators_approving_at_once_make_one_volunteer():
    application = VolunteerApplicationFactory()
    coordinators = [coordinator("first"), coordinator("second")]
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(index):
        try:
            barrier.wait()
            application_approve(application=application, by=coordinators[index])
            outcomes.append("approved")
        except ApplicationAlreadyDecided:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["approved", "conflict"]
    assert Volunteer.objects.count() == 1
    assert get_user_model().objects.filter(username=application.email).count() == 1
    assert Notification.objects.filter(kind="volunteer_application_approved").count() == 2


def test_the_password_link_is_in_the_applicants_language_whatever_the_coordinators():
    application = VolunteerApplicationFactory(language="ru")

    with translation.override("en"):
        application_approve(application=application, by=coordinator(), now=NOW)

    email = Notification.objects.get(kind="volunteer_application_approved", channel="email")
    assert "/ru/volunteers/account/set-password/" in email.body
    assert "/ru/accounts/login/" in email.body


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_the_same_person_submitting_twice_at_once_gets_one_application():
    centre = CentreFactory()
    barrier = threading.Barrier(4)
    outcomes = []

    def submit(index):
        translation.activate("en")  # a new thread starts in the default language
        try:
            barrier.wait()
            application_submit(**details(preferred_centres=[centre], now=None))
            outcomes.append("saved")
        except ApplicationInvalid as refused:
            outcomes.append(refused.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("saved") == 1
    assert all("already have an application waiting" in outcome for outcome in outcomes if outcome != "saved")
    assert VolunteerApplication.objects.count() == 1
    assert Notification.objects.filter(kind="volunteer_application_received").count() == 2
