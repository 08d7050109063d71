from django.db import migrations


def labels_from_provider_names(apps, schema_editor):
    """Counters labelled with a provider's Azerbaijani name (as the demo lays them out) get
    that provider's English and Russian names; other labels are left for people to translate."""
    Counter = apps.get_model("centres", "Counter")
    Provider = apps.get_model("services", "Provider")
    names = {p.name_az: p for p in Provider.objects.exclude(name_az="")}
    changed = []
    for counter in Counter.objects.exclude(label_az="").filter(label_en="", label_ru=""):
        provider = names.get(counter.label_az)
        if provider is not None:
            counter.label_en, counter.label_ru = provider.name_en[:100], provider.name_ru[:100]
            changed.append(counter)
    Counter.objects.bulk_update(changed, ["label_en", "label_ru"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("centres", "0003_counter_label_translations"), ("services", "0001_initial")]

    operations = [migrations.RunPython(labels_from_provider_names, migrations.RunPython.noop)]
