from django.db import migrations, models


class Migration(migrations.Migration):
    """A counter's label in the three languages (docs/adr/0002): the existing label, written in
    Azerbaijani, becomes label_az; English and Russian start empty and fall back to it."""

    dependencies = [("centres", "0002_audit_entry")]

    operations = [
        migrations.RenameField("counter", "label", "label_az"),
        migrations.RenameField("historicalcounter", "label", "label_az"),
        migrations.AlterField(
            "counter",
            "label_az",
            models.CharField(blank=True, max_length=100, verbose_name="label (Azerbaijani)"),
        ),
        migrations.AlterField(
            "historicalcounter",
            "label_az",
            models.CharField(blank=True, max_length=100, verbose_name="label (Azerbaijani)"),
        ),
        migrations.AddField(
            "counter",
            "label_en",
            models.CharField(blank=True, max_length=100, verbose_name="label (English)"),
        ),
        migrations.AddField(
            "counter",
            "label_ru",
            models.CharField(blank=True, max_length=100, verbose_name="label (Russian)"),
        ),
        migrations.AddField(
            "historicalcounter",
            "label_en",
            models.CharField(blank=True, max_length=100, verbose_name="label (English)"),
        ),
        migrations.AddField(
            "historicalcounter",
            "label_ru",
            models.CharField(blank=True, max_length=100, verbose_name="label (Russian)"),
        ),
    ]
