"""Pick what the `pages` scenario reads in the freshly loaded demo data; prints one JSON object.

Run by bench.run with DJANGO_SETTINGS_MODULE=asan_portal.settings.bench, after migrate and
load_demo: the public services (their pages), the bookable ones (earliest-time look-ups), the
public centres (their pages) and catalogue searches drawn from the services' real names. Half of
the searches are Azerbaijani typed without Azerbaijani letters ("sexsiyyet vesiqesi"), the way
people without an Azerbaijani keyboard type them; some are in English or Russian.
"""

import json
import random
import sys

import django

# Searches citizens type most, as they type them (README, ADR 3).
TYPED_QUERIES = [("az", "sexsiyyet vesiqesi"), ("az", "pasport"), ("az", "nikah"), ("ru", "паспорт")]
SEARCHES = 200
SEED = 7


def search_queries(names: list[tuple[str, str, str]], *, count: int = SEARCHES, seed: int = SEED) -> list[dict]:
    """`count` searches of {"lang", "q"} from (name_az, name_en, name_ru) triples: the first one or
    two words of a name, as a citizen starts typing it. Half are Azerbaijani typed in plain Latin
    letters (folded), a sixth each Azerbaijani as written, English and Russian."""
    from asan_portal.azerbaijani import fold

    rng = random.Random(seed)
    queries = [{"lang": lang, "q": q} for lang, q in TYPED_QUERIES]
    while len(queries) < count:
        name_az, name_en, name_ru = rng.choice(names)
        way = rng.choices(["az_plain", "az", "en", "ru"], weights=[3, 1, 1, 1])[0]
        name = {"en": name_en, "ru": name_ru}.get(way) or name_az
        text = " ".join(name.split()[: rng.choice([1, 2])]).lower().strip(',.()«»"')
        if way == "az_plain":
            text = fold(text)
        if text:
            queries.append({"lang": way[:2], "q": text})
    return queries


def pages_plan() -> dict:
    """The services, bookable services, centres and searches the pages' phases read."""
    from centres.models import Centre
    from services.models import Service

    public = Service.objects.public().order_by("code")
    return {
        "services": list(public.values_list("code", flat=True)),
        "bookable": list(public.filter(bookable_online=True).values_list("code", flat=True)),
        "centres": list(Centre.objects.public().order_by("code").values_list("code", flat=True)),
        "searches": search_queries(list(public.values_list("name_az", "name_en", "name_ru"))),
    }


def main() -> int:
    django.setup()
    plan = pages_plan()
    if not (plan["services"] and plan["bookable"] and plan["centres"]):
        print("The demo data has no public services, bookable services or centres", file=sys.stderr)
        return 1
    json.dump(plan, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
