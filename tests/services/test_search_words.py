"""PostgreSQL narrows a search through the catalogue's word list (migration 0005, ADR 3).

The word list is kept by a trigger, so a search text written by any path is found; the
narrowing must find what ranking the whole catalogue in Python (the SQLite path) finds;
and the settings the word lookup needs must not stay on the connection.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from services.models import Service
from services.search import edit_distance, rank_services, service_search, service_search_text
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

# Diacritics left out, typos, stems, English and Russian, several words.
QUERIES = [
    "sexsiyyet vesiqesi",
    "pasprot",
    "nikah",
    "vesiqelerinin",
    "notarius",
    "etibarname",
    "surucluk",
    "marriage certificate",
    "паспорт",
    "доверенность",
    "yasayis yeri",
    "is",
]


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [name])
        return cursor.fetchone()[0]


def test_a_search_text_written_without_the_service_layer_is_found_by_a_typo():
    # given a service renamed, and its search text written, by plain UPDATEs (no Python hook runs)
    service = ServiceFactory(name_az="Köhnə ad")
    Service.objects.filter(pk=service.pk).update(name_az="Zirehli avtomobilin qeydiyyatı")
    service.refresh_from_db()
    Service.objects.filter(pk=service.pk).update(search_text=service_search_text(service))

    # when a citizen types the new word with a typo
    found = service_search("zirehil")

    # then the trigger has put its words in the list the search narrows by
    assert found == [service]


@pytest.mark.slow
def test_postgresql_finds_what_ranking_the_whole_catalogue_finds():
    # given the demo catalogue
    call_command("load_demo", "--no-history", stdout=io.StringIO())
    catalogue = list(Service.objects.public().select_related("provider", "category"))

    misses = {}
    for query in QUERIES:
        # when PostgreSQL narrows the candidates through its indexes
        found = [service.code for service in service_search(query)]
        # then it finds and orders them as ranking every public service in Python does
        expected = [service.code for service in rank_services(query, catalogue)]
        if found != expected:
            misses[query] = (found[:5], expected[:5], len(found), len(expected))
    assert not misses


def test_the_word_lookup_leaves_the_connection_settings_as_they_were():
    # given the connection's planner cost and pg_trgm threshold
    ServiceFactory(name_az="Pasportun verilməsi")
    service_search("warm up")  # pg_trgm defines its setting once the library is loaded
    before = (_setting("random_page_cost"), _setting("pg_trgm.word_similarity_threshold"))

    # when a search with a typo runs (the lookup sets both for its own run)
    assert service_search("pasprot")

    # then neither stays changed for the next query on the connection
    assert (_setting("random_page_cost"), _setting("pg_trgm.word_similarity_threshold")) == before
    assert before == ("4", "0.6")


def _alignment_distance(a: str, b: str) -> int:
    """Optimal string alignment distance by the whole table, without shortcuts (the reference)."""
    table = [[i + j if not i * j else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[-1][-1]


@pytest.mark.django_db(databases=[])
@given(a=st.text("aesirnkt", max_size=9), b=st.text("aesirnkt", max_size=9), limit=st.integers(1, 2))
def test_the_early_exits_of_edit_distance_do_not_change_it(a, b, limit):
    # the missing-letter and length shortcuts answer as the full table capped at limit + 1
    assert edit_distance(a, b, limit=limit) == min(_alignment_distance(a, b), limit + 1)
