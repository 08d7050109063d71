"""The daily roll-ups (feedback/rollups.py): the incremental path, driven by real queue, booking
and rating events, gives exactly what a rebuild from the raw data gives; the rebuild is
idempotent, per centre when asked, and a day is the centre's local day across the Baku midnight."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from appointments import queue
from feedback import rollups
from feedback.models import WAIT_BUCKET_FIELDS, CentreDay, Rating, ServiceDay, StaffDay
from feedback.rollups import rollups_rebuild, wait_bucket
from feedback.tasks import reconcile_default_days, rollups_reconcile
from tests.feedback.rollup_scenario import FIRST_DAY, WAITS, World, at, play_day, rate, snapshot

pytestmark = pytest.mark.django_db

DAYS = [FIRST_DAY + dt.timedelta(days=n) for n in range(2)]


@pytest.fixture
def world():
    return World()


@pytest.fixture
def played(world):
    for variant, day in enumerate(DAYS):
        play_day(world, day, variant=variant)
    return world


def test_wait_buckets_have_inclusive_upper_edges():
    assert wait_bucket(0) == "wait_upto_2"
    assert wait_bucket(120) == "wait_upto_2"
    assert wait_bucket(121) == "wait_upto_5"
    assert wait_bucket(7200) == "wait_upto_120"
    assert wait_bucket(7201) == "wait_over_120"


def test_the_incremental_path_counts_a_day_as_it_happened(played):
    world = played
    day = DAYS[0]
    row = CentreDay.objects.get(centre=world.centre_a, day=day)
    # walk-ins for every wait + the transferred ticket + the kept booking
    assert row.visits == len(WAITS) + 2
    assert row.no_shows == 1
    assert (row.bookings_kept, row.bookings_missed) == (1, 2)
    assert row.waits == row.visits
    # the transfer waited 5 minutes to its FIRST call; the booking was called 7 minutes after check-in
    assert row.wait_seconds == sum(WAITS) + 5 * 60 + 7 * 60
    histogram = {field: getattr(row, field) for field in WAIT_BUCKET_FIELDS}
    expected = dict.fromkeys(WAIT_BUCKET_FIELDS, 0)
    for seconds in [*WAITS, 300, 420]:
        expected[wait_bucket(seconds)] += 1
    assert histogram == expected
    assert expected["wait_upto_2"] == 2 and expected["wait_over_120"] == 2

    ratings = Rating.objects.filter(centre=world.centre_a, visit_date=day)
    assert row.ratings == ratings.count() > 0
    assert row.score_sum == sum(r.score for r in ratings)
    assert row.satisfied == sum(1 for r in ratings if r.score >= 4)
    assert row.waiting_count == ratings.filter(waiting_score__isnull=False).count() > 0
    assert row.waiting_sum == sum(r.waiting_score or 0 for r in ratings)
    assert row.premises_count == ratings.filter(premises_score__isnull=False).count() > 0
    assert row.competence_count == 0

    # the centre's row is the sum of its services' rows; bookings have no staff row
    services = ServiceDay.objects.filter(centre=world.centre_a, day=day)
    assert services.count() == 2
    assert sum(s.visits for s in services) == row.visits
    assert sum(s.ratings for s in services) == row.ratings
    assert {s.provider_id for s in services} == {world.service_a1.provider_id, world.service_a2.provider_id}
    staff = StaffDay.objects.filter(centre=world.centre_a, day=day)
    assert {s.counter_id for s in staff} == {world.desk_a1.counter.pk, world.desk_a2.counter.pk}
    assert sum(s.visits for s in staff) == row.visits
    assert sum(s.bookings_kept + s.bookings_missed for s in staff) == 0


def test_rebuild_gives_exactly_what_the_incremental_path_gave_and_again_when_run_twice(played):
    incremental = snapshot()
    assert all(incremental[name] for name in ("CentreDay", "ServiceDay", "StaffDay"))

    written = rollups_rebuild(first_day=DAYS[0], last_day=DAYS[-1])

    assert written == sum(len(rows) for rows in incremental.values())
    assert snapshot() == incremental
    rollups_rebuild(first_day=DAYS[0], last_day=DAYS[-1])
    assert snapshot() == incremental


def test_rebuild_repairs_a_missed_delta_and_a_damaged_row(played):
    # given: one rating written without its delta, and a row damaged by hand
    world = played
    incremental = snapshot()
    extra = world.desk_b.serve(
        centre=world.centre_b, service=world.service_b, issued=at(DAYS[1], 17), wait=dt.timedelta(minutes=2)
    )
    after_visit = snapshot()
    assert after_visit != incremental
    Rating.objects.create(
        ticket=extra,
        visit_date=extra.date,
        centre=extra.centre,
        service=extra.service,
        provider_id=extra.service.provider_id,
        counter=extra.counter,
        operator=extra.operator,
        score=5,
        channel="counter",
        created_at=at(DAYS[1], 18),
    )
    CentreDay.objects.filter(centre=world.centre_a, day=DAYS[0]).update(visits=999)

    # when
    rollups_rebuild(first_day=DAYS[0], last_day=DAYS[-1])

    # then: the missed rating is counted and the damage is gone
    repaired = snapshot()
    assert repaired != after_visit
    assert CentreDay.objects.get(centre=world.centre_b, day=DAYS[1]).ratings == (
        Rating.objects.filter(centre=world.centre_b, visit_date=DAYS[1]).count()
    )
    assert CentreDay.objects.get(centre=world.centre_a, day=DAYS[0]).visits != 999


def test_rebuild_with_a_centre_touches_only_that_centre(played):
    world = played
    CentreDay.objects.update(visits=999)
    ServiceDay.objects.update(ratings=999)
    StaffDay.objects.update(no_shows=999)
    untouched = {
        model: sorted(model.objects.filter(centre=world.centre_b).values_list("pk", flat=True))
        for model in (CentreDay, ServiceDay, StaffDay)
    }

    rollups_rebuild(first_day=DAYS[0], last_day=DAYS[-1], centre=world.centre_a)

    assert not CentreDay.objects.filter(centre=world.centre_a, visits=999).exists()
    assert not ServiceDay.objects.filter(centre=world.centre_a, ratings=999).exists()
    assert not StaffDay.objects.filter(centre=world.centre_a, no_shows=999).exists()
    for model, pks in untouched.items():
        rows = model.objects.filter(centre=world.centre_b)
        assert sorted(rows.values_list("pk", flat=True)) == pks  # not deleted and re-inserted
    assert CentreDay.objects.filter(centre=world.centre_b).exclude(visits=999).count() == 0


def test_rebuild_of_a_day_without_events_removes_its_rows(world):
    stray = CentreDay.objects.create(centre=world.centre_a, day=DAYS[0], visits=3)
    assert rollups_rebuild(first_day=DAYS[0], last_day=DAYS[0]) == 0
    assert not CentreDay.objects.filter(pk=stray.pk).exists()


def test_rebuild_refuses_a_reversed_range():
    with pytest.raises(ValueError, match="before"):
        rollups_rebuild(first_day=DAYS[1], last_day=DAYS[0])


# --- the Baku midnight --------------------------------------------------------------------------


def test_visits_either_side_of_baku_midnight_land_on_two_days(world):
    # given: 23:50 and 00:10 in Baku are 19:50 and 20:10 UTC of the SAME UTC day
    day = DAYS[0]
    before = at(day, 23, 50)
    after = at(day + dt.timedelta(days=1), 0, 10)
    assert before.astimezone(dt.UTC).date() == after.astimezone(dt.UTC).date() == day

    # when: one visit completes just before midnight and one just after, both rated
    desk = world.desk_b
    one_minute = dt.timedelta(minutes=1)
    late = desk.serve(
        centre=world.centre_b,
        service=world.service_b,
        issued=before - 10 * one_minute,
        wait=3 * one_minute,
        service_time=6 * one_minute,
    )
    early = desk.serve(
        centre=world.centre_b,
        service=world.service_b,
        issued=after - 8 * one_minute,
        wait=2 * one_minute,
        service_time=5 * one_minute,
    )
    assert late.completed_at.astimezone(dt.UTC).date() == early.completed_at.astimezone(dt.UTC).date()
    rate(late, 5, now=before + one_minute)
    rate(early, 2, now=after + one_minute)

    # then: each day has its own visit and its own rating
    rows = {row.day: row for row in CentreDay.objects.filter(centre=world.centre_b)}
    assert set(rows) == {day, day + dt.timedelta(days=1)}
    assert (rows[day].visits, rows[day].ratings, rows[day].score_sum) == (1, 1, 5)
    next_day = rows[day + dt.timedelta(days=1)]
    assert (next_day.visits, next_day.ratings, next_day.score_sum) == (1, 1, 2)
    assert (rows[day].wait_seconds, next_day.wait_seconds) == (180, 120)

    # and a rebuild of both days agrees
    incremental = snapshot()
    rollups_rebuild(first_day=day, last_day=day + dt.timedelta(days=1))
    assert snapshot() == incremental


def test_a_rating_counts_on_the_day_of_the_visit_not_the_day_it_was_given(world):
    ticket = world.desk_b.serve(
        centre=world.centre_b, service=world.service_b, issued=at(DAYS[0], 10), wait=dt.timedelta(minutes=1)
    )
    rate(ticket, 4, now=at(DAYS[1] + dt.timedelta(days=5), 12), channel="link", waiting=2)
    row = CentreDay.objects.get(centre=world.centre_b, day=DAYS[0])
    assert (row.visits, row.ratings, row.satisfied, row.waiting_count, row.waiting_sum) == (1, 1, 1, 1, 2)
    assert not CentreDay.objects.filter(day=DAYS[1] + dt.timedelta(days=5)).exists()


def test_unknown_metrics_are_refused(world):
    with pytest.raises(ValueError, match="not roll-up metrics"):
        rollups._add(
            day=DAYS[0],
            deltas={"visits; DROP TABLE": 1},
            centre_id=world.centre_a.pk,
            service_id=world.service_a1.pk,
            provider_id=world.service_a1.provider_id,
            counter_id=None,
            operator_id=None,
        )


# --- the beat task and the command --------------------------------------------------------------


def test_reconcile_task_by_default_rebuilds_yesterday_and_today_in_baku(world):
    # given: a visit today, its row lost (as if a delta had been rolled back by a bug)
    now = timezone.now()
    first, last = reconcile_default_days(now)
    assert last == now.astimezone(dt.timezone(dt.timedelta(hours=4))).date()
    assert first == last - dt.timedelta(days=1)
    ticket = world.desk_b.serve(
        centre=world.centre_b,
        service=world.service_b,
        issued=now - dt.timedelta(minutes=3),
        wait=dt.timedelta(seconds=40),
        service_time=dt.timedelta(seconds=50),
    )
    expected = snapshot()
    CentreDay.objects.all().delete()

    # when: the task runs (for real, through Celery's apply), twice
    rollups_reconcile.apply().get()
    once = snapshot()
    rollups_reconcile.apply().get()

    # then
    assert once == expected
    assert snapshot() == expected
    assert CentreDay.objects.get(centre=world.centre_b, day=ticket.date).visits == 1


def test_reconcile_task_takes_a_range_and_a_centre(played):
    world = played
    expected = snapshot()
    CentreDay.objects.update(visits=0)
    rollups_reconcile.apply(
        kwargs={"first_day": DAYS[0].isoformat(), "last_day": DAYS[-1].isoformat(), "centre_id": world.centre_a.pk}
    ).get()
    assert CentreDay.objects.filter(centre=world.centre_a, visits=0).count() == 0
    assert CentreDay.objects.filter(centre=world.centre_b, visits=0).count() == len(DAYS)
    rollups_reconcile.apply(args=[DAYS[0].isoformat(), DAYS[-1].isoformat()]).get()
    assert snapshot() == expected


def test_the_beat_schedule_runs_the_reconcile_task():
    from asan_portal.celery import beat_schedule

    tasks = {entry["task"]: entry for entry in beat_schedule().values()}
    assert tasks["feedback.rollups_reconcile"]["schedule"] == 15 * 60


def test_command_rebuilds_a_range_for_one_centre(played):
    world = played
    expected = snapshot()
    CentreDay.objects.update(visits=0)
    out = StringIO()
    call_command(
        "rollups_rebuild",
        "--from",
        DAYS[0].isoformat(),
        "--to",
        DAYS[-1].isoformat(),
        "--centre",
        world.centre_a.code,
        stdout=out,
    )
    assert f"Rebuilt {len(DAYS)} day(s) for centre {world.centre_a.code}" in out.getvalue()
    assert CentreDay.objects.filter(centre=world.centre_b, visits=0).count() == len(DAYS)
    call_command("rollups_rebuild", "--from", DAYS[0].isoformat(), "--to", DAYS[-1].isoformat(), stdout=out)
    assert snapshot() == expected


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2030-13-01"], "Not a date"),
        (["--from", "2030-03-05", "--to", "2030-03-04"], "before"),
        (["--from", "2030-03-05", "--centre", "nowhere"], "No centre"),
    ],
)
def test_command_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("rollups_rebuild", *args, stdout=StringIO())


def test_a_recall_keeps_the_first_call_time(world):
    # A recall does not move called_at; the wait is still measured to the first call.
    desk = world.desk_b
    ticket = queue.ticket_issue(centre=world.centre_b, service=world.service_b, now=at(DAYS[0], 10))
    queue.ticket_call_next(counter=desk.counter, operator=desk.operator, now=at(DAYS[0], 10, 4))
    queue.ticket_recall(ticket=ticket, operator=desk.operator, now=at(DAYS[0], 10, 9))
    desk.finish(ticket, started=at(DAYS[0], 10, 10))
    row = CentreDay.objects.get(centre=world.centre_b, day=DAYS[0])
    assert (row.waits, row.wait_seconds, row.wait_upto_5) == (1, 240, 1)


def test_the_countrys_service_rows_are_the_sums_of_every_centres_rows(played):
    # Service B is served at both centres in the scenario? Either way the country's row of a
    # service must equal the sum of its centres' rows, column by column.
    from feedback.models import METRIC_FIELDS, NationalServiceDay

    national = {(row.day, row.service_id): row for row in NationalServiceDay.objects.all()}
    sums: dict = {}
    for row in ServiceDay.objects.all():
        total = sums.setdefault((row.day, row.service_id), dict.fromkeys(METRIC_FIELDS, 0))
        for name in METRIC_FIELDS:
            total[name] += getattr(row, name)
    assert national.keys() == sums.keys()
    for key, total in sums.items():
        assert {name: getattr(national[key], name) for name in METRIC_FIELDS} == total
        assert national[key].provider_id == ServiceDay.objects.filter(day=key[0], service_id=key[1]).first().provider_id


def test_rebuilding_one_centre_keeps_the_countrys_rows_equal_to_the_centres_sums(played):
    from feedback.models import NationalServiceDay

    before = snapshot()["NationalServiceDay"]
    NationalServiceDay.objects.update(visits=999)

    rollups_rebuild(first_day=DAYS[0], last_day=DAYS[-1], centre=played.centre_a)

    assert snapshot()["NationalServiceDay"] == before
