"""The benchmark's public pages scenario and its targets (bench/: not run by `make test` itself,
but its pieces are: a plan that asks for pages that do not exist would measure 404s)."""

import io
import random

import pytest
from django.core.management import call_command

from asan_portal.azerbaijani import fold
from bench import load
from bench.prepare_pages import pages_plan, search_queries
from bench.report import markdown_report
from bench.run import parse_args, phases
from bench.targets import TARGETS, target_check

PAGE_PHASES = {"catalogue-search", "service-page", "centre-page", "earliest", "pages-mixed"}
AZERBAIJANI_LETTERS = set("əğıöüşçƏĞİÖÜŞÇ")


def phase_names(argv) -> list[str]:
    return [phase["name"] for phase in phases(parse_args(argv))]


def test_all_runs_the_pages_phases_beside_booking_and_queue():
    names = phase_names(["--scenario", "all"])

    assert set(names) >= PAGE_PHASES
    assert {"booking-rush", "queue-call-next"} <= set(names)


def test_pages_alone_runs_the_baselines_and_the_pages():
    names = phase_names(["--scenario", "pages"])

    assert names == ["baseline", "baseline-write", "catalogue-search", "service-page", "centre-page"] + [
        "earliest",
        "pages-mixed",
    ]


def test_every_request_but_the_bare_view_has_a_target_in_booking_queue_and_pages():
    for phase in phases(parse_args(["--scenario", "all"])):
        kinds = set(phase["target"])
        if phase["name"] == "baseline":
            assert kinds == set()
        else:
            assert kinds, phase["name"]
            assert all(TARGETS[kind].p50_ratio > 0 for kind in kinds)


def test_the_mixed_pages_phase_sends_every_page_kind():
    mixed = next(phase for phase in phases(parse_args(["--scenario", "pages"])) if phase["name"] == "pages-mixed")

    assert {entry["kind"] for entry in mixed["mix"]} == set(load.PAGE_KINDS) == set(mixed["target"])


def test_half_the_searches_are_typed_without_azerbaijani_letters_and_some_in_english_and_russian():
    names = [("Şəxsiyyət vəsiqəsinin verilməsi", "Issuing an identity card", "Выдача удостоверения личности")] * 3 + [
        ("Nikahın qeydiyyatı", "Marriage registration", "Регистрация брака")
    ]

    searches = search_queries(names, count=600, seed=3)

    languages = [search["lang"] for search in searches]
    plain_azerbaijani = [
        s for s in searches if s["lang"] == "az" and not AZERBAIJANI_LETTERS & set(s["q"]) and s["q"] == fold(s["q"])
    ]
    assert 0.4 < len(plain_azerbaijani) / len(searches) < 0.6
    assert languages.count("en") > 50 and languages.count("ru") > 50
    typed = {s["q"] for s in searches}
    assert {"sexsiyyet vesiqesi", "pasport", "nikah"} <= typed
    # drawn from the names: their first words, folded or as written, in each language
    assert {"nikahin qeydiyyati", "nikahın qeydiyyatı", "marriage registration", "регистрация брака"} <= typed


@pytest.mark.slow
@pytest.mark.django_db
def test_every_page_kind_builds_paths_the_portal_answers_with_200(client):
    # given the demo data, as the benchmark loads it
    call_command("load_demo", "--no-history", stdout=io.StringIO())
    target = {"pages": pages_plan()}
    citizens, rng = load.Citizens(seed=1), random.Random(5)

    for kind in load.PAGE_KINDS:
        for _ in range(4):
            # when the load generator builds a request of this kind
            method, path, body, _address = load.build_request(kind, target, citizens, rng)

            # then it is a GET the portal answers
            answer = client.get(path)
            assert (method, body) == ("GET", b"")
            assert answer.status_code in load.EXPECTED[kind], (kind, path, answer.status_code)


@pytest.mark.django_db
def test_the_plan_names_public_services_bookable_ones_and_centres():
    call_command("load_demo", "--no-history", stdout=io.StringIO())

    plan = pages_plan()

    assert len(plan["services"]) >= 360 and len(plan["centres"]) >= 20
    assert set(plan["bookable"]) < set(plan["services"])
    assert len(plan["searches"]) == 200


def row(kind, p50, concurrency=100, requests=10):
    return {
        "phase": kind,
        "kind": kind,
        "concurrency": concurrency,
        "requests": requests,
        "rps": 100.0,
        "p50_ms": p50,
        "p95_ms": p50,
        "p99_ms": p50,
        "max_ms": p50,
        "statuses": {"200": requests},
        "errors": 0,
        "unexpected": 0,
        "queries": {"200": {"min": 3, "median": 3, "max": 3}},
    }


def test_a_target_is_a_p50_ratio_per_client():
    bare = row("bare", 40.0)
    goal = {"p50_ratio": 10.0, "why": ""}

    assert target_check(row("earliest", 400.0), goal, bare) == ("≤ 10×: 10.0× met", True)
    assert target_check(row("earliest", 440.0), goal, bare)[1] is False
    # 320 clients wait 3.2 times longer than 100 at the same cost per request
    assert target_check(row("ticket_poll", 1280.0, concurrency=320), goal, bare)[1] is True
    assert target_check(row("earliest", 0.0, requests=0), goal, bare) == ("≤ 10×: not measured", None)
    assert target_check(row("bare", 40.0), None, bare) == ("–", None)


def test_the_report_shows_met_and_missed_per_row_and_what_the_pages_read():
    result = {
        "timestamp": "20261125T220000Z",
        "scenario": "pages",
        "machine": {"cpus": 2, "python": "3.11.7"},
        "settings": {
            "gunicorn_workers": 4,
            "worker_class": "sync",
            "concurrency": 100,
            "warmup_s": 4,
            "duration_s": 10,
        },
        "target": {"service": "s", "centre": "c", "date": "2026-11-26", "free_start_times": 3, "counters": 2}
        | {"duration_minutes": 20},
        "phases": [
            {"phase": "baseline", "rows": [row("bare", 40.0)], "target": {}},
            {
                "phase": "service-page",
                "rows": [row("service_page", 100.0)],
                "target": {"service_page": {"p50_ratio": 3.0, "why": ""}},
            },
            {"phase": "earliest", "rows": [row("earliest", 200.0)], "target": {"earliest": {"p50_ratio": 10.0}}},
        ],
        "after": {
            "appointments_by_status": {},
            "overlapping_pairs_per_counter": 0,
            "outbox_due_by_status": {"seconds_waited": 0},
        },
        "pages": {"services": 397, "bookable": 376, "centres": 26, "searches": 200, "search_examples": ["az: pasport"]},
        "elapsed_s": 1.0,
    }

    report = markdown_report(result)

    assert "# Benchmark (public pages)" in report
    assert "| ≤ 3×: 2.5× met |" in report
    assert "| ≤ 10×: 5.0× met |" in report
    assert "This run: 2 met, 0 missed." in report
    assert "`az: pasport`" in report
    result["phases"][1]["rows"][0]["p50_ms"] = 130.0
    assert "| ≤ 3×: 3.2× missed |" in markdown_report(result)
