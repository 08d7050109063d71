from django.db import migrations

from asan_portal.db import PostgresOnly

FILL = """
INSERT INTO services_search_word (word)
SELECT DISTINCT word FROM services_service, regexp_split_to_table(search_text, ' ') AS word WHERE word <> ''
ON CONFLICT DO NOTHING;
"""


class Migration(migrations.Migration):
    """The words of the services that existed before the trigger (PostgreSQL only)."""

    dependencies = [("services", "0005_search_words")]

    operations = [PostgresOnly(migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop))]
