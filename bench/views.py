"""The baselines of the benchmark, routed only by bench.urls (settings.bench).

They pass through the same middleware as every page, so the ratio to them shows what the
booking code costs on top of Django and one PostgreSQL round trip."""

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

# Created by bench.run in the benchmark's own database; no model, so no migration.
WRITE_TABLE = "bench_write"


@require_GET
def bare(request):
    """A tiny answer, no database."""
    return HttpResponse(b"ok", content_type="text/plain")


@csrf_exempt
@require_POST
def bare_write(request):
    """One row written to PostgreSQL (autocommit: one INSERT and its commit)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {WRITE_TABLE} (written_at) VALUES (now())")  # noqa: S608 - a constant
    return HttpResponse(b"ok", content_type="text/plain")
