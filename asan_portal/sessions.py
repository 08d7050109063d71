"""Sessions kept in PostgreSQL and read through Redis (production's SESSION_ENGINE) that keep
working while Redis is down or frozen.

Django's cached_db store falls back to the database when reading the cache fails, but asks the
cache unguarded whether a new session key is taken and writes a row back unguarded after a miss
(a 500 while Redis is down), deletes unguarded, and waits the cache's socket timeout on every
call while Redis is frozen. This store asks the cache
only while the rate limiter's breaker is closed (asan_portal.ratelimit: the one per-process
memory of "the cache failed a moment ago"), trips it on any cache error, and always has the
database to fall back on. A session changed during an outage is written to the database only;
as with Django's store, a frozen Redis that comes back may still hold the older copy until it
expires or is written again (docs/faults.md).
"""

import logging

from django.contrib.sessions.backends import cached_db, db

from .ratelimit import breaker

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def _cached(self, method, *args, default=None):
        if breaker.is_open():
            return default
        try:
            return method(*args)
        except Exception:  # any cache failure: the database has the session anyway
            breaker.trip()
            logger.warning("Session cache unavailable; using the database only", exc_info=True)
            return default

    def load(self):
        data = self._cached(self._cache.get, self.cache_key)
        if data is None:
            stored = self._get_session_from_db()
            if stored is None:
                return {}
            data = self.decode(stored.session_data)
            self._cached(self._cache.set, self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        if session_key and self._cached(self._cache.has_key, self.cache_key_prefix + session_key, default=False):
            return True
        return db.SessionStore.exists(self, session_key)

    def save(self, must_create=False):
        db.SessionStore.save(self, must_create)
        self._cached(self._cache.set, self.cache_key, self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        db.SessionStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            self._cached(self._cache.delete, self.cache_key_prefix + session_key)
