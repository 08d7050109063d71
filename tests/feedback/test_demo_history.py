"""The demo visits history (feedback.demo): its shape, its roll-ups and a second run."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum

from appointments import queue
from appointments.models import Appointment, AppointmentStatus, Ticket, TicketEvent, TicketStatus
from centres.demo import centres_load_demo, demo_users_create
from centres.models import Centre, CentreKind, CentreService, Counter, PublicHoliday
from feedback import demo, rollups
from feedback.models import METRIC_FIELDS, ROLLUP_MODELS, CentreDay, Rating
from services.demo import catalogue_load_demo
from tests.appointments.queue_factories import operator_at

pytestmark = pytest.mark.django_db

# Two weeks ending Wednesday 11.11.2026: two Sundays (1.11, 8.11) and two public holidays
# (8.11 Victory Day, a Sunday too, and 9.11 Flag Day): 11 days open.
TODAY = dt.date(2026, 11, 12)
DAYS = 14
FIRST_DAY, LAST_DAY = dt.date(2026, 10, 29), dt.date(2026, 11, 11)


@pytest.fixture
def demo_centres():
    catalogue_load_demo()
    centres_load_demo(today=TODAY)
    demo_users_create()


def rollup_snapshot() -> dict:
    """Every roll-up row: its day, keys and sums (not its id or update time)."""
    snapshot = {}
    for model in ROLLUP_MODELS:
        keys = [field.attname for field in model._meta.concrete_fields if field.is_relation]
        snapshot[model.__name__] = sorted(model.objects.values_list("day", *keys, *METRIC_FIELDS))
    return snapshot


def test_history_has_the_shape_of_the_real_service(demo_centres):
    result = demo.visits_history_load_demo(days=DAYS, today=TODAY)

    tickets = Ticket.objects.filter(public_token__startswith=demo.DEMO_TOKEN_PREFIX)
    visits = tickets.filter(status=TicketStatus.COMPLETED)
    assert (result.first_day, result.last_day, result.days) == (FIRST_DAY, LAST_DAY, DAYS)
    assert result.visits == visits.count()
    assert result.ratings == Rating.objects.count()
    # About 90,000 visits a year: some 3,000 in two weeks with 3 days closed.
    assert 2_000 < result.visits < 5_000
    assert 0.02 < result.no_shows / result.visits < 0.05
    # Closed on Sundays and public holidays; every day of the range with a centre open has visits.
    days = set(tickets.values_list("date", flat=True))
    holidays = set(PublicHoliday.objects.values_list("date", flat=True))
    assert dt.date(2026, 11, 8) in holidays and dt.date(2026, 11, 9) in holidays
    assert not days & holidays
    assert all(day.weekday() != 6 for day in days)
    assert min(days) == FIRST_DAY and max(days) == LAST_DAY
    assert len(days) == DAYS - 3
    # Mobile units are left out; every stationary centre has visits, Baku No. 1 more than Quba.
    per_centre = dict(visits.values_list("centre__code").annotate(n=Count("id")))
    assert not tickets.filter(centre__kind=CentreKind.MOBILE).exists()
    assert per_centre["baku-1"] > 2 * per_centre["guba"]
    # Only services the centre offers; saturdays quieter than weekdays; mornings busier.
    offered = set(CentreService.objects.values_list("centre_id", "service_id"))
    assert set(tickets.values_list("centre_id", "service_id")) <= offered
    assert visits.filter(date=dt.date(2026, 10, 31)).count() < visits.filter(date=dt.date(2026, 10, 30)).count()


def test_visits_ratings_and_bookings_are_consistent(demo_centres):
    demo.visits_history_load_demo(days=DAYS, today=TODAY)

    visits = Ticket.objects.filter(status=TicketStatus.COMPLETED)
    # Every rating is of a completed visit and copies its ticket.
    assert not Rating.objects.exclude(ticket__status=TicketStatus.COMPLETED).exists()
    mismatched = Rating.objects.exclude(
        Q(visit_date=F("ticket__date"))
        & Q(centre=F("ticket__centre"))
        & Q(service=F("ticket__service"))
        & Q(counter=F("ticket__counter"))
        & Q(operator=F("ticket__operator"))
        & Q(provider=F("service__provider"))
    )
    assert not mismatched.exists()
    ratings = Rating.objects.count()
    assert 0.60 < ratings / visits.count() < 0.76
    satisfied = Rating.objects.filter(score__gte=4).count() / ratings
    assert 0.95 < satisfied < 0.995
    assert Rating.objects.exclude(comment="").exists()
    assert set(Rating.objects.values_list("language", flat=True)) == {"az", "en", "ru"}
    # Served after the wait, the first call recorded; times in order.
    assert TicketEvent.objects.filter(action="call").count() == Ticket.objects.count()
    for ticket in visits.order_by("?")[:50]:
        assert ticket.queued_at < ticket.called_at < ticket.started_at < ticket.completed_at
        assert ticket.completed_at.astimezone(ticket.centre.tz).date() == ticket.date
        assert ticket.counter.centre_id == ticket.centre_id
        assert ticket.counter.services.filter(pk=ticket.service_id).exists()
    # Bookings kept are linked to their visit; missed ones lapsed without a ticket.
    assert Appointment.objects.filter(status=AppointmentStatus.COMPLETED, ticket__isnull=False).exists()
    assert Appointment.objects.filter(status=AppointmentStatus.LAPSED, ticket__isnull=True).exists()
    assert not Appointment.objects.exclude(status__in=(AppointmentStatus.COMPLETED, AppointmentStatus.LAPSED)).exists()
    # The demo operators cannot sign in.
    operators = get_user_model().objects.filter(username__startswith=demo.DEMO_OPERATOR_PREFIX)
    assert operators.exists()
    assert not any(user.has_usable_password() for user in operators)


def test_rollups_equal_a_rebuild_from_the_raw_rows(demo_centres):
    demo.visits_history_load_demo(days=DAYS, today=TODAY)
    loaded = rollup_snapshot()
    totals = CentreDay.objects.aggregate(visits=Sum("visits"), waits=Sum("waits"), ratings=Sum("ratings"))

    rollups.rollups_rebuild(first_day=FIRST_DAY, last_day=LAST_DAY)

    assert rollup_snapshot() == loaded
    assert totals["visits"] == Ticket.objects.filter(status=TicketStatus.COMPLETED).count()
    assert totals["waits"] == totals["visits"]  # every visit has its first call
    assert totals["ratings"] == Rating.objects.count()


def test_second_run_adds_nothing_and_a_later_one_only_the_new_days(demo_centres):
    demo.visits_history_load_demo(days=DAYS, today=TODAY)
    tickets, ratings = Ticket.objects.count(), Rating.objects.count()

    again = demo.visits_history_load_demo(days=DAYS, today=TODAY)

    assert again.up_to_date and again.visits == 0
    assert (Ticket.objects.count(), Rating.objects.count()) == (tickets, ratings)

    # two days later: only 12.11 and 13.11 are added, and their roll-ups
    later = demo.visits_history_load_demo(days=DAYS, today=TODAY + dt.timedelta(days=2))

    assert (later.first_day, later.last_day) == (TODAY, TODAY + dt.timedelta(days=1))
    assert Ticket.objects.filter(date__gte=TODAY).count() == later.visits + later.no_shows
    assert Ticket.objects.filter(date__lt=TODAY).count() == tickets
    loaded = rollup_snapshot()
    rollups.rollups_rebuild(first_day=FIRST_DAY, last_day=TODAY + dt.timedelta(days=1))
    assert rollup_snapshot() == loaded


def test_a_day_with_real_visits_is_rebuilt_from_all_of_them(demo_centres):
    # given a visit served through the queue at Baku No. 1 on the last day, before the history
    centre = Centre.objects.get(code="baku-1")
    counter = Counter.objects.filter(centre=centre, is_active=True, services__isnull=False).order_by("number").first()
    service = counter.services.order_by("code").first()
    opened = dt.datetime.combine(LAST_DAY, dt.time(10), tzinfo=centre.tz)
    operator = operator_at(centre)
    queue.counter_session_open(counter=counter, operator=operator, now=opened)
    real = queue.ticket_issue(centre=centre, service=service, now=opened)
    called = queue.ticket_call_next(counter=counter, operator=operator, now=opened + dt.timedelta(minutes=4))
    queue.ticket_start(ticket=called, operator=operator, now=opened + dt.timedelta(minutes=5))
    queue.ticket_complete(ticket=called, operator=operator, now=opened + dt.timedelta(minutes=15))

    demo.visits_history_load_demo(days=DAYS, today=TODAY)

    # demo numbers continue after it; the day's roll-ups count it too
    same_series = Ticket.objects.filter(centre=centre, date=LAST_DAY, letter=real.letter)
    assert same_series.count() > 1
    assert sorted(same_series.values_list("number", flat=True)) == list(range(1, same_series.count() + 1))
    loaded = rollup_snapshot()
    rollups.rollups_rebuild(first_day=FIRST_DAY, last_day=LAST_DAY)
    assert rollup_snapshot() == loaded
    day = CentreDay.objects.get(day=LAST_DAY, centre=centre)
    assert day.visits == Ticket.objects.filter(centre=centre, date=LAST_DAY, status=TicketStatus.COMPLETED).count()


def test_same_seed_same_history(demo_centres):
    first = demo.visits_history_load_demo(days=3, today=TODAY)
    tokens = set(Ticket.objects.values_list("public_token", flat=True))
    scores = sorted(Rating.objects.values_list("ticket__public_token", "score"))
    Rating.objects.all().delete()
    Ticket.objects.all().delete()
    Appointment.objects.all().delete()
    for model in ROLLUP_MODELS:
        model.objects.all().delete()

    second = demo.visits_history_load_demo(days=3, today=TODAY)

    assert (second.visits, second.ratings) == (first.visits, first.ratings)
    assert set(Ticket.objects.values_list("public_token", flat=True)) == tokens
    assert sorted(Rating.objects.values_list("ticket__public_token", "score")) == scores
