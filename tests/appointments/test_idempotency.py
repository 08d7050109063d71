"""Idempotency-Key on POST /api/v1/appointments/: a repeat (even a concurrent one) gets the
first answer, never a second booking."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from appointments.idempotency import RETENTION, idempotency_records_purge
from appointments.models import Appointment, IdempotencyRecord
from appointments.services import appointment_cancel, token_hash
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.appointments.test_api import booking_body, new_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/appointments/"


def post(client, body, key):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers)


def test_a_repeated_submit_returns_the_first_answer_and_books_once():
    # given
    service, centre = bookable_setup(counters=2)
    body = booking_body(service, centre, tomorrow_at(centre, 10))
    key = str(uuid.uuid4())
    # when: the phone lost the first answer and sends the same request again
    first = post(new_client(), body, key)
    second = post(new_client(), body, key)
    # then
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Appointment.objects.count() == 1
    # and the replayed token really opens the booking
    assert Appointment.objects.get().manage_token_hash == token_hash(second.json()["manage_token"])


def test_without_a_key_a_repeat_is_a_second_request():
    service, centre = bookable_setup(counters=2)
    body = booking_body(service, centre, tomorrow_at(centre, 10))

    first, second = post(new_client(), body, None), post(new_client(), body, None)

    assert first.status_code == 201
    assert second.status_code == 409  # the same citizen, service and day
    assert second.json()["error"]["code"] == "limit_per_day"


def test_the_same_key_with_a_different_body_is_refused():
    service, centre = bookable_setup(counters=2)
    key = str(uuid.uuid4())
    assert post(new_client(), booking_body(service, centre, tomorrow_at(centre, 10)), key).status_code == 201

    other = post(new_client(), booking_body(service, centre, tomorrow_at(centre, 11)), key)

    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert other.json()["error"]["message"]
    assert Appointment.objects.count() == 1


def test_a_refusal_is_replayed_too_even_when_the_time_frees_up_later():
    # given: the only counter is taken at 10:00
    service, centre = bookable_setup(counters=1)
    start = tomorrow_at(centre, 10)
    taken = post(new_client(), booking_body(service, centre, start), None).json()
    key = str(uuid.uuid4())
    body = booking_body(service, centre, start)
    assert post(new_client(), body, key).status_code == 409
    # when: the time is freed, and the same request is repeated with the same key
    appointment_cancel(appointment=Appointment.objects.get(reference=taken["reference"]))
    again = post(new_client(), body, key)
    # then: it is the same request, so the same answer; a new attempt needs a new key
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "slot_taken"
    assert post(new_client(), body, str(uuid.uuid4())).status_code == 201


def test_an_invalid_request_does_not_use_up_the_key():
    service, centre = bookable_setup()
    key = str(uuid.uuid4())
    body = booking_body(service, centre, tomorrow_at(centre, 10))

    bad = post(new_client(), {**body, "start": "not a time"}, key)
    good = post(new_client(), body, key)

    assert bad.status_code == 400
    assert good.status_code == 201


def test_a_rate_limited_request_does_not_use_up_the_key(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking_create": "1/m"}
    service, centre = bookable_setup(counters=2)
    client = new_client()
    assert post(client, booking_body(service, centre, tomorrow_at(centre, 9)), None).status_code == 201
    key = str(uuid.uuid4())
    body = booking_body(service, centre, tomorrow_at(centre, 10))

    limited = post(client, body, key)
    later = post(new_client(), body, key)  # e.g. after the wait, or from another network

    assert limited.status_code == 429
    assert later.status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 129, "spaces are not allowed", "ключ"])
def test_a_malformed_key_is_a_400(key):
    service, centre = bookable_setup()
    headers = {"HTTP_IDEMPOTENCY_KEY": key.encode().decode("latin-1")}

    response = new_client().post(URL, booking_body(service, centre, tomorrow_at(centre, 10)), format="json", **headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_invalid"
    assert not Appointment.objects.exists()


def test_the_table_alone_reveals_neither_the_key_nor_the_manage_token():
    service, centre = bookable_setup()
    key = str(uuid.uuid4())
    token = post(new_client(), booking_body(service, centre, tomorrow_at(centre, 10)), key).json()["manage_token"]

    record = IdempotencyRecord.objects.get()

    assert key not in record.key
    assert token not in str(record.response_body)
    assert record.response_status == 201


def test_old_records_are_purged_and_their_key_is_free_again():
    service, centre = bookable_setup(counters=2)
    key = str(uuid.uuid4())
    assert post(new_client(), booking_body(service, centre, tomorrow_at(centre, 10)), key).status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - RETENTION - dt.timedelta(minutes=1))

    # an expired key is a new key
    assert post(new_client(), booking_body(service, centre, tomorrow_at(centre, 11)), key).status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - RETENTION - dt.timedelta(minutes=1))
    assert idempotency_records_purge() == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_concurrent_duplicates_with_one_key_make_one_booking():
    # given: 20 copies of one request, released at the same moment, each on its own connection
    service, centre = bookable_setup(counters=3)
    body = booking_body(service, centre, tomorrow_at(centre, 10), citizen())
    key = str(uuid.uuid4())
    workers = 20
    barrier = threading.Barrier(workers)
    answers, errors = [], []

    def send():
        try:
            client = new_client()
            barrier.wait()
            response = post(client, body, key)
            answers.append((response.status_code, response.json()))
        except Exception as error:  # noqa: BLE001 - any other outcome is a failure to report
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then: one booking, and every copy got exactly its answer
    assert errors == []
    assert len(answers) == workers
    assert Appointment.objects.count() == 1
    assert {status for status, _body in answers} == {201}
    assert {body["reference"] for _status, body in answers} == {Appointment.objects.get().reference}
    assert len({body["manage_token"] for _status, body in answers}) == 1
