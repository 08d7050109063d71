from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from asan_portal.db import PostgresOnly


class Migration(migrations.Migration):
    """Trigram index over the folded search text (PostgreSQL only; SQLite searches in Python)."""

    dependencies = [("services", "0001_initial")]

    operations = [
        PostgresOnly(TrigramExtension()),
        PostgresOnly(
            migrations.RunSQL(
                "CREATE INDEX services_service_search_trgm ON services_service USING gin (search_text gin_trgm_ops);",
                reverse_sql="DROP INDEX IF EXISTS services_service_search_trgm;",
            )
        ),
    ]
