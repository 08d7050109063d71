import pytest

from tests.centres.factories import CentreFactory
from volunteers.demo_applications import DEMO_APPLICANTS, applications_load_demo
from volunteers.models import ApplicationStatus, VolunteerApplication

pytestmark = pytest.mark.django_db


def test_demo_applications_pass_the_rules_and_load_once():
    CentreFactory()
    CentreFactory()

    assert applications_load_demo() == len(DEMO_APPLICANTS)
    assert applications_load_demo() == 0

    applications = VolunteerApplication.objects.all()
    assert applications.count() == len(DEMO_APPLICANTS)
    assert {a.status for a in applications} == {ApplicationStatus.SUBMITTED}
    assert {a.language for a in applications} == {"az", "en", "ru"}
    assert all(a.preferred_centres.count() == 2 for a in applications)
