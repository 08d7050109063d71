"""Test data for volunteers: applications, volunteers with accounts, shift patterns, shifts, sign-ups."""

import datetime as dt
import secrets
import zoneinfo

import factory
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from asan_portal.roles import VOLUNTEER, role_grant
from tests.centres.factories import CentreFactory
from volunteers.models import (
    ApplicationStatus,
    Education,
    Shift,
    ShiftRole,
    ShiftSignup,
    ShiftTemplate,
    SignupStatus,
    Volunteer,
    VolunteerApplication,
)

BAKU_TZ = zoneinfo.ZoneInfo("Asia/Baku")


def baku_today() -> dt.date:
    return timezone.now().astimezone(BAKU_TZ).date()


class VolunteerApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerApplication
        skip_postgeneration_save = True

    full_name = factory.Sequence(lambda n: f"Könüllü Namizəd {n}")
    email = factory.Sequence(lambda n: f"applicant{n}@example.az")
    phone = factory.Sequence(lambda n: f"+99450{n:07d}"[-13:])
    date_of_birth = factory.LazyFunction(lambda: baku_today().replace(year=baku_today().year - 20, day=1))
    education = Education.STUDENT
    institution = "ADA Universiteti"
    languages = factory.LazyFunction(lambda: ["az", "en"])
    skills = "Kompüter bilikləri"
    available_weekdays = factory.LazyFunction(lambda: [0, 2, 4])
    consent_at = factory.LazyFunction(timezone.now)
    language = "az"
    status = ApplicationStatus.SUBMITTED

    @factory.post_generation
    def preferred_centres(self, create, extracted, **kwargs):
        if not create:
            return
        self.preferred_centres.set(extracted if extracted is not None else [CentreFactory()])


class VolunteerUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"volunteer{n}@example.az")
    email = factory.SelfAttribute("username")
    password = factory.django.Password("asan-demo-2026")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            role_grant(user=self, role=VOLUNTEER)


class VolunteerFactory(factory.django.DjangoModelFactory):
    """An approved volunteer with an account in the VOLUNTEER role (password asan-demo-2026)."""

    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    user = factory.SubFactory(VolunteerUserFactory)
    application = None
    full_name = factory.Sequence(lambda n: f"Könüllü {n}")
    phone = factory.Sequence(lambda n: f"+99455{n:07d}"[-13:])
    email = factory.SelfAttribute("user.email")
    language = "az"
    programme_started_on = factory.LazyFunction(baku_today)
    calendar_token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))

    @factory.post_generation
    def centres(self, create, extracted, **kwargs):
        """`VolunteerFactory(centres=[c1, c2])`; by default one new centre."""
        if not create:
            return
        self.centres.set(extracted if extracted is not None else [CentreFactory()])


class ShiftTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftTemplate

    centre = factory.SubFactory(CentreFactory)
    weekday = 0
    start_time = dt.time(9)
    end_time = dt.time(13)
    role = ShiftRole.ENTRANCE
    needed = 2


class ShiftFactory(factory.django.DjangoModelFactory):
    """A shift on `date` (default: tomorrow in Baku) from `start` to `end` local time.

    `starts_at`/`ends_at` are derived from `date`, `start` and `end` in the centre's time zone,
    so the three stay consistent; pass `start=dt.time(14)` etc. to move it.
    """

    class Meta:
        model = Shift
        exclude = ("start", "end")

    centre = factory.SubFactory(CentreFactory)
    date = factory.LazyFunction(lambda: baku_today() + dt.timedelta(days=1))
    start = dt.time(9)
    end = dt.time(13)
    starts_at = factory.LazyAttribute(lambda o: dt.datetime.combine(o.date, o.start, tzinfo=o.centre.tz))
    ends_at = factory.LazyAttribute(lambda o: dt.datetime.combine(o.date, o.end, tzinfo=o.centre.tz))
    role = ShiftRole.ENTRANCE
    needed = 2
    taken = 0


class ShiftSignupFactory(factory.django.DjangoModelFactory):
    """A sign-up row written directly (no capacity bookkeeping): for a SIGNED_UP sign-up the
    shift's `taken` is increased here too, so `Shift.taken` stays the count of signed-up places."""

    class Meta:
        model = ShiftSignup

    shift = factory.SubFactory(ShiftFactory)
    volunteer = factory.SubFactory(VolunteerFactory)
    status = SignupStatus.SIGNED_UP
    starts_at = factory.SelfAttribute("shift.starts_at")
    ends_at = factory.SelfAttribute("shift.ends_at")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        signup = super()._create(model_class, *args, **kwargs)
        if signup.status == SignupStatus.SIGNED_UP:
            Shift.objects.filter(pk=signup.shift_id).update(taken=F("taken") + 1)
            signup.shift.refresh_from_db(fields=["taken"])
        return signup
