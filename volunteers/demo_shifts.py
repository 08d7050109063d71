"""Demo weekly shift patterns and the shifts of the coming weeks, for the volunteer pages.

Called by volunteers/demo.py (part of `load_demo`). Idempotent: patterns are upserted by
(centre, weekday, start time, role), and shifts come from `shifts_from_templates`, which
makes at most one shift per pattern and day; running it twice changes nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from centres.models import Centre

from .models import ShiftRole, ShiftTemplate
from .shifts import shifts_from_templates, week_start_of

DEMO_CENTRES = ("baku-1", "baku-2", "ganja-1")
# (weekdays, start, end, role, needed): a morning and an afternoon at the entrance and the
# e-services corner on working days, a Saturday morning at the information desk.
DEMO_PATTERN = [
    (range(5), dt.time(9), dt.time(13), ShiftRole.ENTRANCE, 2),
    (range(5), dt.time(13), dt.time(17), ShiftRole.ENTRANCE, 2),
    (range(5), dt.time(10), dt.time(14), ShiftRole.E_SERVICES, 1),
    ((5,), dt.time(10), dt.time(14), ShiftRole.INFORMATION, 1),
]
DEMO_WEEKS = 3


@dataclass
class ShiftsDemoResult:
    templates_created: int = 0
    shifts_created: int = 0
    shifts_existing: int = 0


@transaction.atomic
def shifts_load_demo(*, centre_codes=DEMO_CENTRES, weeks: int = DEMO_WEEKS, now=None) -> ShiftsDemoResult:
    """Weekly patterns for the demo centres that exist, and their shifts from this week on."""
    now = now or timezone.now()
    result = ShiftsDemoResult()
    for centre in Centre.objects.filter(code__in=centre_codes):
        for weekdays, start, end, role, needed in DEMO_PATTERN:
            for weekday in weekdays:
                _template, created = ShiftTemplate.objects.get_or_create(
                    centre=centre,
                    weekday=weekday,
                    start_time=start,
                    role=role,
                    defaults={"end_time": end, "needed": needed},
                )
                result.templates_created += created
        monday = week_start_of(now.astimezone(centre.tz).date())
        for week in range(weeks):
            made = shifts_from_templates(
                centre=centre, week_start=monday + dt.timedelta(days=7 * week), by=None, now=now
            )
            result.shifts_created += len(made.created)
            result.shifts_existing += made.existing
    return result
