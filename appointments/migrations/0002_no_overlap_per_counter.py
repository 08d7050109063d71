from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from asan_portal.db import PostgresOnly

ACTIVE = "('held', 'confirmed', 'checked_in')"


class Migration(migrations.Migration):
    """PostgreSQL itself refuses a second active appointment overlapping on one counter.

    SQLite has no exclusion constraints; there the booking service's check runs inside
    an IMMEDIATE transaction, which SQLite serialises (docs/adr/0008)."""

    dependencies = [("appointments", "0001_initial")]

    operations = [
        PostgresOnly(BtreeGistExtension()),
        PostgresOnly(
            migrations.RunSQL(
                "ALTER TABLE appointments_appointment ADD CONSTRAINT appointment_no_overlap_per_counter "
                "EXCLUDE USING gist (counter_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
                f"WHERE (status IN {ACTIVE});",
                reverse_sql="ALTER TABLE appointments_appointment DROP CONSTRAINT appointment_no_overlap_per_counter;",
            )
        ),
    ]
