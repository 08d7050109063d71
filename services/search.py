"""Catalogue search across Azerbaijani, English and Russian that tolerates missing
diacritics and small typos.

Stored text and query are folded the same way (`asan_portal.azerbaijani.fold`), so
"sexsiyyet", "shexsiyyet" and "şəxsiyyət" meet. Every query word is scored against three
groups of a service's text, and the best score wins for that word:

    names (weight 3) > summaries and keywords (2) > provider and category names (1)

and within a group, a whole word (1.0) beats a word prefix (0.9, "pasport" in
"pasportunun"), which beats a fragment inside a word (0.6), which beats a near miss
within a small edit distance (0.45 or 0.35, "pasprot", "notarius"). A service must match
every query word; when none does, services matching the most words are shown instead.

The ranking itself is one Python function used on both databases, with difflib breaking
ties, so PostgreSQL and the embedded SQLite order results the same way. On SQLite the
catalogue (a few hundred rows) is ranked whole. On PostgreSQL two index scans narrow it
first: the catalogue's word list (trigram-indexed) gives the words near each query word,
and a GIN index over each service's words gives the services holding them.
"""

from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Func, QuerySet, TextField

from asan_portal.azerbaijani import fold

from .models import Service

NAME_WEIGHT = 3.0
DETAIL_WEIGHT = 2.0
ORGANISATION_WEIGHT = 1.0

WHOLE_WORD = 1.0
PREFIX = 0.9
# Same stem, other ending: Azerbaijani and Russian inflect ("vesiqesi" ~ "vesiqelerinin", "паспорт" ~ "паспорта").
STEM = 0.8
STEM_MIN_PREFIX = 5
INFIX = 0.6
FUZZY_ONE_EDIT = 0.45
FUZZY_TWO_EDITS = 0.35

# Below this pg_trgm word similarity a catalogue word cannot be a near miss of the query word
# (one transposition in a 7-letter word still scores 0.5), so it is not worth checking.
TRIGRAM_CANDIDATE_THRESHOLD = 0.2
MAX_QUERY_TERMS = 8
TOP_BAND = 0.85


class SearchWords(Func):
    """A service's folded words as an array: the expression the GIN index of migration 0005 covers."""

    function = "services_search_words"
    output_field = ArrayField(TextField())


@dataclass(frozen=True)
class SearchFields:
    """The folded words of one service, by how much a match in them counts."""

    names: str
    details: str
    organisation: str

    def groups(self):
        return (
            (NAME_WEIGHT, self.names.split()),
            (DETAIL_WEIGHT, self.details.split()),
            (ORGANISATION_WEIGHT, self.organisation.split()),
        )


# Folding is most of a search's Python time, and a service's texts rarely change.
@lru_cache(maxsize=8192)
def _join(*parts: str) -> str:
    return fold(" ".join(p for p in parts if p))


def service_search_fields(service: Service) -> SearchFields:
    """Folded names, summaries + keywords, provider + category names of `service`, all languages."""
    provider, category = service.provider, service.category
    return SearchFields(
        names=_join(service.name_az, service.name_en, service.name_ru),
        details=_join(service.summary_az, service.summary_en, service.summary_ru, service.keywords),
        organisation=_join(
            provider.name_az,
            provider.name_en,
            provider.name_ru,
            category.name_az,
            category.name_en,
            category.name_ru,
        ),
    )


def service_search_text(service: Service) -> str:
    """The folded text a service is found by: names, summaries, keywords, provider and category, all languages."""
    fields = service_search_fields(service)
    return " ".join(part for part in (fields.names, fields.details, fields.organisation) if part)


def query_terms(query: str) -> list[str]:
    """The folded words of a query, without repeats, at most MAX_QUERY_TERMS of them."""
    terms = []
    for term in fold(query).split():
        if term not in terms:
            terms.append(term)
    return terms[:MAX_QUERY_TERMS]


def edit_distance(a: str, b: str, *, limit: int) -> int:
    """Optimal string alignment distance (a swap of two neighbours is one edit), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    # Each letter of `a` missing from `b` costs an edit: most word pairs stop here, before the
    # table (a search compares its words with hundreds of thousands of catalogue words).
    if len(set(a).difference(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def allowed_edits(term: str) -> int:
    """Short words must be typed right; longer ones may have one or two slips."""
    if len(term) < 4:
        return 0
    if len(term) < 7:
        return 1
    return 2


def _shared_prefix(a: str, b: str) -> int:
    length = 0
    for char_a, char_b in zip(a, b, strict=False):
        if char_a != char_b:
            break
        length += 1
    return length


# Catalogue words repeat across services (provider and category names, "verilməsi", ...),
# so the same pair is scored many times in one search and across searches.
@lru_cache(maxsize=100_000)
def term_match(term: str, word: str) -> float:
    """How well one folded query word matches one folded word of the text (0 = not at all)."""
    if word == term:
        return WHOLE_WORD
    if word.startswith(term):
        return PREFIX
    shared = _shared_prefix(term, word)
    if shared >= STEM_MIN_PREFIX and shared >= len(term) - 2:
        return STEM
    if len(term) >= 3 and term in word:
        return INFIX
    limit = allowed_edits(term)
    if not limit:
        return 0.0
    # Azerbaijani and Russian add endings ("pasportunun", "доверенности"), so a typo is
    # compared with the start of the word as well as with the whole word.
    candidates = {word} | {word[:length] for length in range(len(term) - 1, len(term) + 2) if length < len(word)}
    distance = min(edit_distance(term, candidate, limit=limit) for candidate in candidates)
    if distance == 1:
        return FUZZY_ONE_EDIT
    if distance <= limit:
        return FUZZY_TWO_EDITS
    return 0.0


def score_fields(terms: list[str], fields: SearchFields) -> tuple[int, float]:
    """(number of query words found, summed weighted score) of one service; higher is better."""
    matched, total = 0, 0.0
    groups = fields.groups()
    for term in terms:
        best = 0.0
        for weight, words in groups:
            if weight * WHOLE_WORD <= best:
                break  # a lower-weighted group cannot beat what was found already
            for word in words:
                quality = term_match(term, word)
                if quality:
                    best = max(best, weight * quality)
                    if quality == WHOLE_WORD:
                        break
        if best:
            matched += 1
            total += best
    # The whole query as a phrase in a name ("sexsiyyet vesiqesi") beats the same words scattered.
    if len(terms) > 1 and _phrase_in(terms, fields.names.split()):
        total += NAME_WEIGHT
    return matched, total


def _phrase_in(terms: list[str], words: list[str]) -> bool:
    """Do the query words appear one after another in `words`, each as a word or its stem?"""
    span = len(terms)
    for start in range(len(words) - span + 1):
        if all(term_match(term, words[start + i]) >= STEM for i, term in enumerate(terms)):
            return True
    return False


def rank_services(query: str, services) -> list[Service]:
    """Rank `services` for `query` in Python; the SQLite path and the final order on PostgreSQL.

    Services must have `provider` and `category` loaded (select_related) to avoid a query each.
    Ties are broken by difflib's ratio of the query to the folded names, on both databases.
    """
    terms = query_terms(query)
    if not terms:
        return []
    folded_query = " ".join(terms)
    scored = []
    for service in services:
        fields = service_search_fields(service)
        matched, score = score_fields(terms, fields)
        if not matched:
            continue
        tie_break = SequenceMatcher(None, folded_query, fields.names).ratio()
        scored.append((matched, score, tie_break, service))
    if not scored:
        return []
    best_matched = max(matched for matched, *_rest in scored)
    scored = [row for row in scored if row[0] == best_matched]
    # Matches nearly as good as the best form one band, in which the service more people
    # apply for comes first ("nikah" -> marriage registration, not an archive record that
    # mentions marriage); below the band, relevance decides.
    top = max(row[1] for row in scored)
    scored.sort(
        key=lambda row: (
            row[1] < top * TOP_BAND,
            -row[3].popularity if row[1] >= top * TOP_BAND else 0,
            -row[1],
            -row[3].popularity,
            -row[2],
            row[3].name_az,
            row[3].pk,
        )
    )
    return [row[3] for row in scored]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _near_word_patterns(terms: list[str]) -> list[str]:
    """LIKE patterns that every word `term_match` finds by its letters (not by a typo) meets."""
    patterns = []
    for term in terms:
        patterns.append(f"%{_like_escape(term)}%")  # a whole word, a prefix or a fragment
        if len(term) >= STEM_MIN_PREFIX:
            patterns.append(f"{_like_escape(term[: max(STEM_MIN_PREFIX, len(term) - 2)])}%")
    return patterns


def _indexed_candidates(queryset: QuerySet, terms: list[str]) -> list[Service]:
    """Services holding a catalogue word that some query word matches (PostgreSQL: two index scans).

    First the word list (migration 0005: a few thousand short words, trigram-indexed) gives
    the words near a query word, by their letters or by pg_trgm word similarity, and
    `term_match` keeps those it accepts; then the GIN index over each service's words finds
    the services holding them. Both scale with the matches, not with the catalogue. The
    previous word_similarity over each service's whole search text (~680 characters, no
    index) cost 100-470 ms a search.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT services_search_near_words(%s, %s, %s)",
            [_near_word_patterns(terms), [term for term in terms if allowed_edits(term)], TRIGRAM_CANDIDATE_THRESHOLD],
        )
        words = sorted(word for (word,) in cursor.fetchall() if any(term_match(term, word) for term in terms))
    if not words:
        return []
    # No ORDER BY: the ranking orders them.
    return list(queryset.alias(_words=SearchWords("search_text")).filter(_words__overlap=words).order_by())


def service_search(query: str, *, queryset: QuerySet | None = None) -> list[Service]:
    """Services matching `query`, best first. `queryset` (default: public services) limits the search."""
    queryset = Service.objects.public() if queryset is None else queryset
    terms = query_terms(query)
    if not terms:
        return []
    queryset = queryset.select_related("provider", "category").defer(*Service.LONG_TEXT_FIELDS)
    if connection.vendor == "postgresql":
        return rank_services(query, _indexed_candidates(queryset, terms))
    return rank_services(query, queryset)
