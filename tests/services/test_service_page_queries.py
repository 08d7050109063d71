"""The service page costs a fixed, small number of queries however many centres offer it."""

import pytest

from tests.centres.factories import CentreFactory, offer, weekday_hours
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

# service (+ provider, category), documents, fee options, centres (+ city), their hours,
# closures and mobile stops, public holidays
PAGE_QUERIES = 8


@pytest.mark.parametrize("language", ["az", "en", "ru"])
def test_service_page_queries_do_not_grow_with_centres(client, language, django_assert_max_num_queries):
    # given a service offered at one centre, then at nine
    service = ServiceFactory(code="some-service")
    centres = [CentreFactory() for _ in range(9)]
    for centre in centres:
        weekday_hours(centre)
    offer(centres[0], service)
    with django_assert_max_num_queries(PAGE_QUERIES) as few:
        one = client.get(f"/{language}/services/some-service/")
    for centre in centres[1:]:
        offer(centre, service)

    # when its page is read again
    with django_assert_max_num_queries(PAGE_QUERIES) as many:
        nine = client.get(f"/{language}/services/some-service/")

    # then it lists every centre for the same queries
    assert one.status_code == nine.status_code == 200
    assert nine.content.decode().count('class="centre-card"') == 9
    assert len(many.captured_queries) == len(few.captured_queries)
