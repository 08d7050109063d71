"""The catalogue part of the public service and centre pages, rendered once and kept in the cache.

Why and what (docs/adr/0018): those pages are the same for every citizen in a language, and
their time goes on rendering (a service's ~26 centre cards, a big centre's ~350 service links),
not on their queries. `page_part` keeps the rendered catalogue block of one page, keyed by:

- the page and the object's code,
- the active language (the text and every link differ),
- the scheme and host the page was asked on (the service page's JSON-LD has absolute addresses;
  the host is one of ALLOWED_HOSTS),
- the database (test runs and benchmarks that share one Redis never read each other's pages),
- the catalogue version, which every save or delete of a model the pages show changes
  (signals below; the bulk loaders call `catalogue_version_bump` themselves).

The block shows "open now" badges, today's hours and the coming holidays, so the builder also
says until when its HTML is true (the next opening or closing among the badges, the next local
midnight); an entry lives until then and never longer than PAGE_CACHE_SECONDS.

The block is rendered without the request, so it cannot hold a CSRF token, a CSP nonce, a
message or the signed-in menu: base.html adds those around it on every request.

A cache that is down or frozen costs nothing: the rate limiter's breaker (asan_portal.ratelimit)
is asked first and tripped on any cache error, and the page is rendered uncached.
"""

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from .ratelimit import breaker

logger = logging.getLogger(__name__)

# The longest an entry lives, whatever its builder says.
PAGE_CACHE_SECONDS = 60
_VERSION_KEY = "page-cache:catalogue-version:{database}"
# Losing the version is always safe (every entry becomes a miss), so it need not outlive its entries by much.
_VERSION_SECONDS = 24 * 3600


@dataclass(frozen=True)
class PagePart:
    """What a page shows around its cached block (title, head) and the block itself, as HTML."""

    title: str
    content: SafeString
    description: str = ""
    json_ld: dict | None = None  # schema.org data for the page's head
    valid_until: dt.datetime | None = None  # when the clock makes this HTML wrong; None: never


def page_part(*, page: str, code: str, origin: str, build: Callable[[], PagePart]) -> PagePart:
    """The cached part of `page` for object `code`, or `build()`'s, which is then cached.

    `build` renders the block for the active language without the request and says until when
    it is true; exceptions (a 404, say) pass through and nothing is cached.
    """
    key = None
    if not breaker.is_open():
        try:
            key = _part_key(page=page, code=code, origin=origin)
            cached = cache.get(key)
        except Exception:  # any cache failure: a dead cache must cost the page nothing
            _cache_failed()
            key = cached = None
        part = _part_from_cache(cached)
        if part is not None:
            return part
    part = build()
    if key is not None:
        timeout = _seconds_valid(part.valid_until)
        if timeout > 0:
            # Plain types only: no pickled class of ours that a deploy could change under the cache.
            stored = {**dataclasses.asdict(part), "content": str(part.content)}
            try:
                cache.set(key, stored, timeout=timeout)
            except Exception:
                _cache_failed()
    return part


def catalogue_version_bump() -> None:
    """Make every cached page part out of date. The signals call it for each save and delete;
    writers they do not see (bulk_create, bulk_update, queryset.update) call it once at the end.
    Never raises."""
    _version_renew()
    # Again once the write commits: a page rendered from the old rows while the transaction was
    # open may have been cached under the version renewed above.
    transaction.on_commit(_version_renew)


def next_change(statuses: Iterable, *, now: dt.datetime, timezones: Iterable[dt.tzinfo]) -> dt.datetime:
    """The first instant a block showing these opening statuses and today's dates stops being
    true: the next opening or closing among them, or the next midnight in any of these zones."""
    instants = [s.closes_at if s.is_open else s.next_opens_at for s in statuses]
    for tz in set(timezones):
        local = now.astimezone(tz)
        instants.append(dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz))
    return min(instant for instant in instants if instant is not None)


def _part_key(*, page: str, code: str, origin: str) -> str:
    version = cache.get(_version_key())
    if version is None:
        # First use, or the cache lost it (restart, eviction): start a version nobody has used.
        cache.add(_version_key(), uuid.uuid4().hex, timeout=_VERSION_SECONDS)
        version = cache.get(_version_key())
    language = translation.get_language() or "-"
    return f"page-cache:{connection.settings_dict['NAME']}:{version}:{page}:{code}:{language}:{origin}"


def _version_key() -> str:
    return _VERSION_KEY.format(database=connection.settings_dict["NAME"])


def _part_from_cache(cached) -> PagePart | None:
    """The cached part if it is still true, else None (also for an entry another release wrote)."""
    if not isinstance(cached, dict):
        return None
    # Our own templates rendered this HTML, escaping as they went; Redis is ours too.
    content = mark_safe(cached.get("content", ""))  # noqa: S308  # nosec B308 B703
    try:
        part = PagePart(**{**cached, "content": content})
    except TypeError:
        return None
    # Redis expires an entry in whole seconds of its own clock; the HTML's own deadline is exact.
    if part.valid_until is not None and timezone.now() >= part.valid_until:
        return None
    return part


def _seconds_valid(valid_until: dt.datetime | None) -> int:
    if valid_until is None:
        return PAGE_CACHE_SECONDS
    # Whole seconds, rounded down, so an entry never outlives its HTML.
    return min(PAGE_CACHE_SECONDS, int((valid_until - timezone.now()).total_seconds()))


def _cache_failed() -> None:
    breaker.trip()
    logger.warning("Page cache unavailable; rendering pages uncached", exc_info=True)


def _version_renew() -> None:
    if breaker.is_open():
        return
    try:
        cache.set(_version_key(), uuid.uuid4().hex, timeout=_VERSION_SECONDS)
    except Exception:
        _cache_failed()


def _catalogue_changed(sender, **kwargs) -> None:
    catalogue_version_bump()


def catalogue_signals_connect() -> None:
    """Connect the version bump to every model the service and centre pages show."""
    from centres.models import Centre, CentreService, City, Closure, MobileStop, OpeningHours, PublicHoliday
    from services.models import Category, FeeOption, Provider, RequiredDocument, Service

    for model in (
        Service,
        Provider,
        Category,
        FeeOption,
        RequiredDocument,
        City,
        Centre,
        CentreService,
        OpeningHours,
        PublicHoliday,
        Closure,
        MobileStop,
    ):
        label = model._meta.label_lower
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"page_cache_save_{label}")
        post_delete.connect(_catalogue_changed, sender=model, dispatch_uid=f"page_cache_delete_{label}")
    m2m_changed.connect(_catalogue_changed, sender=Centre.services.through, dispatch_uid="page_cache_centre_services")
