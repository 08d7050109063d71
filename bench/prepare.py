"""Pick the rush target in the freshly loaded demo data; prints one JSON object.

Run by bench.run with DJANGO_SETTINGS_MODULE=asan_portal.settings.bench, after migrate and
load_demo: the bookable service handled by the most counters at one centre, and the first
day ahead with free times for it (the day a slot-opening rush goes for)."""

import datetime as dt
import json
import sys

import django


def main() -> int:
    django.setup()
    from django.db.models import Count
    from django.utils import timezone

    from appointments import availability
    from centres.models import Counter
    from centres.selectors import centre_get
    from services.models import Service

    public = Service.objects.public().filter(bookable_online=True)
    pairs = (
        Counter.objects.filter(is_active=True, centre__is_active=True, services__in=public)
        .values("centre__code", "services__code")
        .annotate(counters=Count("id"))
        .order_by("-counters", "centre__code", "services__code")[:20]
    )
    now = timezone.now()
    for pair in pairs:
        centre = centre_get(pair["centre__code"])
        service = public.get(code=pair["services__code"])
        today = now.astimezone(centre.tz).date()
        for offset in range(1, 8):
            day = today + dt.timedelta(days=offset)
            slots = availability.day_slots(service=service, centre=centre, day=day, now=now)
            if len(slots) >= 10:
                json.dump(
                    {
                        "service": service.code,
                        "centre": centre.code,
                        "counters": pair["counters"],
                        "duration_minutes": service.duration_minutes,
                        "date": day.isoformat(),
                        "starts": [slot.starts_at.isoformat() for slot in slots],
                    },
                    sys.stdout,
                )
                return 0
    print("No bookable service with free times in the demo data", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
