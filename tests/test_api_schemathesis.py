"""Schemathesis against our own OpenAPI schema (/api/schema/): every operation, valid and
invalid generated requests, in-process through the WSGI application.

Each answer must not be a server error, and its status code, content type and body must be
ones the schema documents. Path parameters are drawn from generated values *and* the codes,
ids and tokens of a small real world (a centre, a service, a booking, tickets, a rating link),
so the requests reach the views' real work and not only their 404s. Queue operations are sent
by an operator signed in at the centre (session cookie + CSRF token), booking operations on
the real booking with its manage token.
"""

import collections
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from appointments import queue
from appointments.models import PriorityGroup
from appointments.services import appointment_book
from centres.models import Counter
from centres.selectors import centre_get
from tests.appointments.factories import citizen, tomorrow_at
from tests.appointments.queue_factories import operator_at
from tests.centres.factories import CentreFactory, CityFactory, offer, weekday_hours
from tests.feedback.factories import completed_visit, token_from_message
from tests.services.factories import ServiceFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Generated examples per operation. 27 operations x (explicit examples + coverage cases + up to
# this many generated ones, valid and invalid) make about 3,000 requests in about two minutes
# on a 2-core machine. SCHEMATHESIS_MAX_EXAMPLES=500 explores further.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "50"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CSRF_TOKEN = "schemathesisschemathesisschemat1"  # 32 characters, as Django's unmasked secret


@pytest.fixture(autouse=True)
def keep_test_connection():
    """The WSGI handler closes the database connection after each request (as a server should);
    Django's own test client stops that, so the test's transaction survives. So do we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(django_user_model):
    """The documented examples' codes (`passport-issue` at `baku-1`), and one of everything else."""
    city = CityFactory()
    service = ServiceFactory(code="passport-issue", bookable_online=True, duration_minutes=20)
    centre = CentreFactory(code="baku-1", city=city)
    weekday_hours(centre, weekdays=range(7))
    offer(centre, service, counters=2)
    PriorityGroup.objects.create(centre=centre, code="elderly", name_az="Yaşlılar", rank=1)
    counter = Counter.objects.select_related("centre").get(centre=centre, number=1)
    operator = operator_at(centre)
    queue.counter_session_open(counter=counter, operator=operator)
    visit = completed_visit(counter=counter, operator=operator, service=service)
    waiting = queue.ticket_issue(centre=counter.centre, service=service, phone="+994501234567", language="en")
    booking = appointment_book(
        service=service, centre=centre_get(centre.code), starts_at=tomorrow_at(centre, 10), **citizen()
    )
    client = Client()
    client.force_login(operator)
    return {
        "centre_codes": [centre.code],
        "service_codes": [service.code],
        "provider_codes": [service.provider.code],
        "counter_ids": list(Counter.objects.filter(centre=centre).values_list("pk", flat=True)),
        "ticket_ids": [visit.pk, waiting.pk],
        "public_tokens": [visit.public_token, waiting.public_token],
        "rating_tokens": [token_from_message(visit)],
        "references": [booking.appointment.reference],
        "manage_token": booking.manage_token,
        "session": client.cookies["sessionid"].value,
    }


def _real_values(world, path: str, name: str) -> list:
    # Empty while pytest collects (the explicit examples are built then, before any world).
    if name == "code":
        if path.startswith("/api/v1/services/"):
            return world.get("service_codes", [])
        if path.startswith("/api/v1/providers/"):
            return world.get("provider_codes", [])
        return world.get("centre_codes", [])
    if name == "id":
        return world.get("counter_ids" if path.startswith("/api/v1/counters/") else "ticket_ids", [])
    key = {"reference": "references", "token": "rating_tokens", "public_token": "public_tokens"}.get(name)
    return world.get(key, []) if key else []


# Requests sent by this module, printed at its end (run with -s to see it).
SENT: collections.Counter = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def count_requests():
    yield
    print(f"\nschemathesis: {SENT.total()} requests")
    for (label, status), count in sorted(SENT.items()):
        print(f"  {label}: {status} x {count}")


# The real objects of the running test (filled by the `world` fixture, read while generating).
REAL: dict = {}

# Loaded when pytest collects (the schema needs no database). Schemathesis's lazy
# `from_fixture` would wait for a fixture, but it sets `Function._nodeid`, which pytest 9.2 has
# no more; so the real objects reach the generation through REAL instead.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
schema.config.generation.update(modes=list(GenerationMode), max_examples=MAX_EXAMPLES)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # A generated value or a real object's.
    if not path_parameters:
        return st.just(path_parameters)
    strategies = {}
    for name, value in path_parameters.items():
        real = _real_values(REAL, context.operation.path, name)
        strategies[name] = st.sampled_from([value, *real]) if real else st.just(value)
    return st.fixed_dictionaries(strategies)


@schema.parametrize()
# Derandomized on CI, so a run there explores the same cases as the last green one; locally
# each run explores new ones.
@settings(
    deadline=None, suppress_health_check=list(HealthCheck), print_blob=True, derandomize=bool(os.environ.get("CI"))
)
def test_api_answers_as_documented(case, world):
    REAL.update(world)
    headers, cookies = {}, {}
    if "queue" in (case.operation.tags or []):
        cookies = {"sessionid": world["session"], "csrftoken": CSRF_TOKEN}
        headers["X-CSRFToken"] = CSRF_TOKEN
    if (case.path_parameters or {}).get("reference") in world["references"]:
        headers["X-Manage-Token"] = world["manage_token"]
    response = case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
    SENT[(case.operation.label, response.status_code)] += 1
