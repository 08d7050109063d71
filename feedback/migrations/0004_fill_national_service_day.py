from django.db import migrations
from django.db.models import Min, Sum


def fill(apps, schema_editor):
    """The country's service rows of every day already rolled up: the sums of that day's
    ServiceDay rows (what feedback.rollups.national_rows_refresh writes), so dashboards of
    past periods read the same figures the day after the upgrade as before it."""
    service_day = apps.get_model("feedback", "ServiceDay")
    national_day = apps.get_model("feedback", "NationalServiceDay")
    metrics = [
        field.name
        for field in service_day._meta.get_fields()
        if getattr(field, "concrete", False)
        and field.get_internal_type() in ("PositiveIntegerField", "BigIntegerField")
        and field.name != "id"
    ]
    grouped = (
        service_day.objects.order_by()
        .values("day", "service_id")
        .annotate(first_provider=Min("provider_id"), **{name: Sum(name) for name in metrics})
    )
    # Replaced, not added to: rows the deltas wrote between 0003 and this migration are sums the
    # ServiceDay rows already hold.
    national_day.objects.all().delete()
    batch = []
    for group in grouped.iterator(chunk_size=2000):
        batch.append(
            national_day(
                day=group["day"],
                service_id=group["service_id"],
                provider_id=group["first_provider"],
                **{name: group[name] for name in metrics},
            )
        )
        if len(batch) >= 2000:
            national_day.objects.bulk_create(batch)
            batch = []
    national_day.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0003_national_service_day")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
