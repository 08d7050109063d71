"""The centre page loads what it shows, in a fixed number of queries (issue 7 benchmarks).

It lists the services offered, by topic; the counters and which services each serves are the
API's (808 service rows at a big demo centre), so the page must not load them.
"""

import pytest

from tests.centres.factories import CentreFactory, offer, weekday_hours
from tests.services.factories import ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db

PAGE_QUERIES = 6  # centre, hours, closures, mobile stops, services offered, holidays


def _centre_offering(services):
    centre = CentreFactory()
    weekday_hours(centre)
    for service in services:
        offer(centre, service, counters=3)
    return centre


def test_centre_page_queries_do_not_grow_with_services_or_counters(client, django_assert_max_num_queries):
    # given a centre with one service and one with twelve, each served at three counters
    small = _centre_offering([ServiceFactory()])
    offered = [ServiceFactory() for _ in range(12)]
    big = _centre_offering(offered)

    # when their pages are read
    with django_assert_max_num_queries(PAGE_QUERIES) as few:
        small_page = client.get(f"/az/centres/{small.code}/")
    with django_assert_max_num_queries(PAGE_QUERIES) as many:
        big_page = client.get(f"/az/centres/{big.code}/")

    # then both cost the same queries, none of them about counters
    assert small_page.status_code == big_page.status_code == 200
    html = big_page.content.decode()
    assert all(f'href="/az/services/{service.code}/"' in html for service in offered)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert not [query for query in many.captured_queries if "centres_counter" in query["sql"]]


def test_centre_page_lists_only_services_a_citizen_can_open(client):
    # given a centre offering a service of an active provider and one of a closed provider
    shown = ServiceFactory(code="shown-service")
    hidden = ServiceFactory(code="hidden-service", provider=ProviderFactory(is_active=False))
    centre = _centre_offering([shown, hidden])

    # when its page is read
    html = client.get(f"/az/centres/{centre.code}/").content.decode()

    # then it links to the service whose page exists, not to the one whose page is a 404
    assert 'href="/az/services/shown-service/"' in html
    assert "hidden-service" not in html
    assert client.get("/az/services/hidden-service/").status_code == 404
