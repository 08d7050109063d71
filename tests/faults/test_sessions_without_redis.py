"""Sessions in PostgreSQL read through Redis (asan_portal/sessions.py) keep working with Redis down.

Django's own cached_db store raises here (Redis's ConnectionError): it asks the cache unguarded
whether a new session key is taken, and after a cache miss writes the row back unguarded, so the
booking form's post and every signed-in page answered 500 while Redis was down.
"""

import pytest
from django.contrib.sessions.models import Session

from asan_portal.ratelimit import breaker
from asan_portal.sessions import SessionStore
from tests.faults.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nobody listens there
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
    breaker.reset()
    yield
    breaker.reset()


def test_a_session_is_written_read_and_deleted_while_redis_is_down(redis_down):
    # given
    store = SessionStore()
    store["held_booking"] = "R1"
    store.save()
    # when / then: another request reads it from PostgreSQL
    again = SessionStore(session_key=store.session_key)
    assert again["held_booking"] == "R1"
    assert again.exists(store.session_key)
    assert breaker.is_open()  # the cache is left alone for a while: no timeout per call
    again.delete()
    assert not Session.objects.filter(session_key=store.session_key).exists()


def test_with_redis_up_a_session_is_read_from_the_cache():
    breaker.reset()
    store = SessionStore()
    store["held_booking"] = "R2"
    store.save()
    Session.objects.filter(session_key=store.session_key).delete()  # only Redis has it now
    assert SessionStore(session_key=store.session_key)["held_booking"] == "R2"
    SessionStore(session_key=store.session_key).delete()
