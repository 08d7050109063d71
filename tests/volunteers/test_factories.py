import pytest

from asan_portal.roles import VOLUNTEER, user_has_role
from tests.volunteers.factories import (
    ShiftFactory,
    ShiftSignupFactory,
    ShiftTemplateFactory,
    VolunteerApplicationFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db


def test_factories_build_consistent_rows():
    application = VolunteerApplicationFactory()
    assert application.preferred_centres.count() == 1
    volunteer = VolunteerFactory()
    assert user_has_role(volunteer.user, VOLUNTEER) and not volunteer.user.is_staff
    assert volunteer.user.check_password("asan-demo-2026")
    assert len(volunteer.calendar_token) == 43
    ShiftTemplateFactory()
    shift = ShiftFactory()
    assert shift.starts_at.astimezone(shift.centre.tz).date() == shift.date
    signup = ShiftSignupFactory(shift=shift, volunteer=volunteer)
    shift.refresh_from_db()
    assert shift.taken == 1 and signup.starts_at == shift.starts_at
