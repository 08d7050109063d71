from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from asan_portal.db import PostgresOnly


class Migration(migrations.Migration):
    """PostgreSQL itself refuses a volunteer two signed-up places whose times overlap.

    SQLite has no exclusion constraints; there the sign-up service's check runs inside an
    IMMEDIATE transaction, which SQLite serialises (docs/adr/0015)."""

    dependencies = [("volunteers", "0001_initial"), ("appointments", "0002_no_overlap_per_counter")]

    operations = [
        PostgresOnly(BtreeGistExtension()),
        PostgresOnly(
            migrations.RunSQL(
                "ALTER TABLE volunteers_shiftsignup ADD CONSTRAINT signup_no_overlap_per_volunteer "
                "EXCLUDE USING gist (volunteer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
                "WHERE (status = 'signed_up');",
                reverse_sql="ALTER TABLE volunteers_shiftsignup DROP CONSTRAINT signup_no_overlap_per_volunteer;",
            )
        ),
    ]
