"""Roll-up rows written directly, for tests of the readers (feedback.stats and the pages on it).

The roll-up helper's own tests prove the rows are right; these tests only need known sums."""

from feedback.models import WAIT_BUCKET_FIELDS, CentreDay, ServiceDay, StaffDay


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
    return ServiceDay.objects.create(
        centre=centre, service=service, provider_id=service.provider_id, day=day, **_metrics(**metrics)
    )


def staff_day(centre, counter, operator, day, **metrics):
    return StaffDay.objects.create(centre=centre, counter=counter, operator=operator, day=day, **_metrics(**metrics))


def both_days(centre, service, day, **metrics):
    """The same figures as a centre's row and its one service's row (a centre with one service)."""
    return centre_day(centre, day, **metrics), service_day(centre, service, day, **metrics)
