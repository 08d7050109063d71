from django.db import migrations

from asan_portal.db import PostgresOnly

# 1. Every distinct word of the services' folded search texts, kept by a trigger so that no write
#    path (admin, CSV import, the demo loader's bulk insert, a plain .update()) can leave it
#    behind. Words are only added: a word no service uses any more finds no service.
# 2. Each service's words as an array, GIN-indexed, to go from matched words to services.
#    The split is wrapped in a PL/pgSQL function only to tell the planner its true price:
#    splitting every search text costs far more than the default estimate, which made it
#    filter every row instead of using the index.
# 3. The words near a query's words through the trigram index, with pg_trgm's threshold and
#    the price of random reads set for the function's run only (restored on return). At the
#    default random_page_cost (4, a spinning disk) the planner scans every word instead of the
#    index; the catalogue and its word list are a few hundred kilobytes held in memory.
# fastupdate = off: the catalogue changes rarely and is searched all the time, and a pending
# list (filled by a fresh load) made each index scan read it whole.
CREATE = """
CREATE TABLE services_search_word (word text PRIMARY KEY);
CREATE INDEX services_search_word_trgm ON services_search_word
    USING gin (word gin_trgm_ops) WITH (fastupdate = off);
CREATE FUNCTION services_search_word_collect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO services_search_word (word)
    SELECT DISTINCT word FROM regexp_split_to_table(NEW.search_text, ' ') AS word WHERE word <> ''
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER services_search_word_collect
    AFTER INSERT OR UPDATE OF search_text ON services_service
    FOR EACH ROW EXECUTE FUNCTION services_search_word_collect();
CREATE FUNCTION services_search_words(search_text text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 10000
    AS $$ BEGIN RETURN string_to_array(search_text, ' '); END $$;
CREATE INDEX services_service_search_words ON services_service
    USING gin (services_search_words(search_text)) WITH (fastupdate = off);
CREATE FUNCTION services_search_near_words(patterns text[], terms text[], threshold real)
    RETURNS SETOF text LANGUAGE plpgsql STABLE
    SET pg_trgm.word_similarity_threshold = 0.3 SET random_page_cost = 1.1
    AS $$
BEGIN
    PERFORM set_config('pg_trgm.word_similarity_threshold', threshold::text, true);
    RETURN QUERY EXECUTE
        'SELECT word FROM services_search_word WHERE word LIKE ANY ($1) OR word %> ANY ($2)'
        USING patterns, terms;
END $$;
DROP INDEX IF EXISTS services_service_search_trgm;
"""
DROP = """
CREATE INDEX IF NOT EXISTS services_service_search_trgm ON services_service USING gin (search_text gin_trgm_ops);
DROP FUNCTION IF EXISTS services_search_near_words(text[], text[], real);
DROP INDEX IF EXISTS services_service_search_words;
DROP FUNCTION IF EXISTS services_search_words(text);
DROP TRIGGER IF EXISTS services_search_word_collect ON services_service;
DROP FUNCTION IF EXISTS services_search_word_collect();
DROP TABLE IF EXISTS services_search_word;
"""


class Migration(migrations.Migration):
    """The catalogue's word list with a trigram index, and each service's words indexed
    (PostgreSQL only; SQLite ranks the whole catalogue in Python).

    Typos are matched against short words, not each service's whole search text:
    word_similarity over ~680 characters cost 100-470 ms a search (ADR 3).
    """

    dependencies = [("services", "0004_category_ticket_letter")]

    operations = [PostgresOnly(migrations.RunSQL(CREATE, reverse_sql=DROP))]
