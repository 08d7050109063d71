"""The transfer (counter screen) and phone-in (staff booking) service lists are narrowed by the
catalogue's folding search (issue 12.10): "sexsiyyet" finds "şəxsiyyət", without JavaScript."""

import pytest
from django.urls import reverse
from django.utils import translation

from appointments import queue
from centres.models import Counter
from tests.appointments.queue_factories import operator_at, queue_setup
from tests.centres.factories import offer
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def desk():
    service, centre = queue_setup()
    counter = Counter.objects.get(centre=centre)
    id_card = ServiceFactory(
        name_az="Şəxsiyyət vəsiqəsinin verilməsi", name_en="Identity card", bookable_online=True, is_published=True
    )
    notary = ServiceFactory(name_az="Etibarnamə", name_en="Power of attorney", bookable_online=True, is_published=True)
    for other in (id_card, notary):
        offer(centre, other, counters=0)
        counter.services.add(other)
    operator = operator_at(centre)
    return {
        "centre": centre,
        "counter": counter,
        "service": service,
        "id_card": id_card,
        "notary": notary,
        "op": operator,
    }


def _counter_url(desk, **query):
    url = reverse("queue:counter", kwargs={"centre": desk["centre"].code, "counter": desk["counter"].pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _called(desk):
    queue.counter_session_open(counter=desk["counter"], operator=desk["op"])
    queue.ticket_issue(centre=desk["centre"], service=desk["service"])
    return queue.ticket_call_next(counter=desk["counter"], operator=desk["op"])


@pytest.mark.parametrize("query", ["sexsiyyet", "SHEXSIYYET", "şəxsiyyət", "vesiqe"])
def test_the_transfer_list_is_narrowed_by_the_folding_search(client, desk, query):
    _called(desk)
    client.force_login(desk["op"])

    page = client.get(_counter_url(desk, service_q=query)).content.decode()

    assert f'value="service:{desk["id_card"].pk}"' in page
    assert f'value="service:{desk["notary"].pk}"' not in page
    assert "1 service matches" in page


def test_without_a_query_every_service_and_counter_is_offered(client, desk):
    _called(desk)
    client.force_login(desk["op"])

    page = client.get(_counter_url(desk)).content.decode()

    for service in (desk["service"], desk["id_card"], desk["notary"]):
        assert f'value="service:{service.pk}"' in page
    assert 'id="transfer-search"' in page and 'for="transfer-search"' in page


def test_a_transfer_to_a_found_service_keeps_the_ticket(client, desk):
    ticket = _called(desk)
    client.force_login(desk["op"])
    url = reverse(
        "queue:counter_action",
        kwargs={"centre": desk["centre"].code, "counter": desk["counter"].pk, "action": "transfer"},
    )

    response = client.post(url, {"ticket": ticket.pk, "target": f"service:{desk['id_card'].pk}"})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.service_id, ticket.number) == ("waiting", desk["id_card"].pk, 1)


def test_the_phone_in_list_is_narrowed_and_the_narrowing_survives_show_free_times(client, desk):
    client.force_login(desk["op"])
    url = reverse("appointments_staff:book", kwargs={"centre": desk["centre"].code})

    found = client.get(url, {"service_q": "sexsiyyet"})
    chosen = client.get(url, {"service_q": "sexsiyyet", "service": desk["id_card"].pk, "date": "2030-01-07"})

    page = found.content.decode()
    assert found.status_code == 200
    assert f'<option value="{desk["id_card"].pk}"' in page
    assert f'<option value="{desk["notary"].pk}"' not in page
    assert "This field is required" not in page  # typing a query is not a failed search
    assert chosen.status_code == 200
    assert f'<option value="{desk["notary"].pk}"' not in chosen.content.decode()
    assert chosen.context["search"].is_valid()


def test_an_overlong_or_odd_query_is_no_server_error(client, desk):
    _called(desk)
    client.force_login(desk["op"])

    for query in ["x" * 5000, "%00", "'; select 1; --", "   "]:
        assert client.get(_counter_url(desk), {"service_q": query}).status_code == 200
        assert (
            client.get(
                reverse("appointments_staff:book", kwargs={"centre": desk["centre"].code}), {"service_q": query}
            ).status_code
            == 200
        )


def test_the_phone_in_list_names_services_in_the_pages_language(client, desk):
    client.force_login(desk["op"])

    with translation.override("en"):
        page = client.get(reverse("appointments_staff:book", kwargs={"centre": desk["centre"].code})).content.decode()

    assert "Identity card</option>" in page
    assert "Şəxsiyyət vəsiqəsinin verilməsi</option>" not in page
