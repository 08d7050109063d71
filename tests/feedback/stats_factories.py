"""Roll-up rows written directly, for tests of the readers (feedback.stats and the pages on it).

The roll-up helper's own tests prove the rows are right; these tests only need known sums."""

from feedback.models import WAIT_BUCKET_FIELDS, CentreDay, ServiceDay, StaffDay
from feedback.rollups import national_rows_refresh


def _metrics(*, visits=0, ratings=0, satisfied=0, score_sum=0, waits=None, wait_seconds=0, histogram=None, **extra):
    values = {
        "visits": visits,
        "ratings": ratings,
        "satisfied": satisfied,
        "score_sum": score_sum,
        "waits": visits if waits is None else waits,
        "wait_seconds": wait_seconds,
        **extra,
    }
    for field, count in zip(WAIT_BUCKET_FIELDS, histogram or [], strict=False):
        values[field] = count
    return values


def centre_day(centre, day, **metrics):
    return CentreDay.objects.create(centre=centre, day=day, **_metrics(**metrics))


def service_day(centre, service, day, **metrics):
    row = ServiceDay.objects.create(
        centre=centre, service=service, provider_id=service.provider_id, day=day, **_metrics(**metrics)
    )
    national_rows_refresh(first_day=day, last_day=day)  # the country's row follows, as in the rebuild
    return row


def staff_day(centre, counter, operator, day, **metrics):
    return StaffDay.objects.create(centre=centre, counter=counter, operator=operator, day=day, **_metrics(**metrics))


def both_days(centre, service, day, **metrics):
    """The same figures as a centre's row and its one service's row (a centre with one service)."""
    return centre_day(centre, day, **metrics), service_day(centre, service, day, **metrics)


def plausible_rollups(*, centres, services, first_day, last_day, seed=5, staff=()):
    """Believable daily figures for every centre x service x day, with each CentreDay the sum
    of its ServiceDay rows (as the roll-up code keeps them), written in bulk. For pages and
    screenshots that need months of data; each centre has its own level of satisfaction.
    `staff` lists (centre, counter, operator): each gets a daily StaffDay row with a share of
    its centre's figures (a satisfaction of its own)."""
    import datetime as dt
    import random

    from feedback.models import METRIC_FIELDS

    rng = random.Random(seed)
    centre_rows, service_rows, staff_rows = [], [], []
    quality = {centre.pk: rng.uniform(0.72, 0.95) for centre in centres}
    day = first_day
    while day <= last_day:
        season = 1.0 + 0.15 * ((day.toordinal() % 28) / 28 - 0.5)
        for centre in centres:
            totals = dict.fromkeys(METRIC_FIELDS, 0)
            for service in services:
                visits = int(rng.randint(15, 90) * season) if day.weekday() < 6 else rng.randint(0, 10)
                ratings = int(visits * rng.uniform(0.25, 0.45))
                satisfied = round(ratings * min(1.0, quality[centre.pk] + rng.uniform(-0.06, 0.06)))
                waits_minutes = [min(rng.expovariate(1 / 9), 150) for _ in range(visits)]
                histogram = [0] * len(WAIT_BUCKET_FIELDS)
                edges = (2, 5, 10, 15, 20, 30, 45, 60, 90, 120)
                for minutes in waits_minutes:
                    histogram[next((i for i, edge in enumerate(edges) if minutes <= edge), len(edges))] += 1
                row = _metrics(
                    visits=visits,
                    ratings=ratings,
                    satisfied=satisfied,
                    score_sum=satisfied * 5 - satisfied // 3 + (ratings - satisfied) * 2,
                    wait_seconds=int(sum(waits_minutes) * 60),
                    histogram=histogram,
                    bookings_kept=visits // 3,
                    bookings_missed=rng.randint(0, max(1, visits // 25)),
                    no_shows=rng.randint(0, 3),
                    courtesy_count=ratings // 2,
                    courtesy_sum=int(ratings // 2 * (3.6 + quality[centre.pk])),
                )
                service_rows.append(
                    ServiceDay(centre=centre, service=service, provider_id=service.provider_id, day=day, **row)
                )
                for name in METRIC_FIELDS:
                    totals[name] += row.get(name, 0)
            centre_rows.append(CentreDay(centre=centre, day=day, **totals))
            desks = [(counter, operator) for owner, counter, operator in staff if owner.pk == centre.pk]
            for counter, operator in desks:
                share = {name: value // len(desks) for name, value in totals.items()}
                share["satisfied"] = min(share["ratings"], round(share["ratings"] * rng.uniform(0.7, 0.98)))
                staff_rows.append(StaffDay(centre=centre, counter=counter, operator=operator, day=day, **share))
        day += dt.timedelta(days=1)
    CentreDay.objects.bulk_create(centre_rows, batch_size=2000)
    ServiceDay.objects.bulk_create(service_rows, batch_size=2000)
    national_rows_refresh(first_day=first_day, last_day=last_day)
    StaffDay.objects.bulk_create(staff_rows, batch_size=2000)
