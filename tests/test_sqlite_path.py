"""The `make run` path: migrate and load the demo into the embedded SQLite file, then serve pages.

Runs in subprocesses with the local settings, so nothing here touches the test PostgreSQL
database and the SQLite-only behaviour (migrations skipped with PostgresOnly, bulk writes
without RETURNING quirks) is exercised for real.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

PAGES_SNIPPET = """
import django
django.setup()
from django.test import Client
from django.urls import reverse
from django.utils import translation
from centres.models import Centre
from services.models import Service

service = Service.objects.public().order_by("code").first()
centre = Centre.objects.public().order_by("code").first()
client = Client()
with translation.override("az"):
    urls = [
        reverse("home"),
        reverse("services:list"),
        reverse("services:detail", kwargs={"code": service.code}),
        reverse("centres:list"),
        reverse("centres:detail", kwargs={"code": centre.code}),
    ]
for url in urls:
    assert url.startswith("/az/"), url
    response = client.get(url)
    print(url, response.status_code)
    assert response.status_code == 200, (url, response.status_code)
print("pages ok")
"""


def run(args, env, timeout=300):
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def sqlite_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "asan_portal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "ALLOWED_HOSTS": "testserver,localhost",
        "PYTHONPATH": str(ROOT),
    }
    return env


def test_migrate_load_demo_and_pages_on_sqlite(sqlite_env, tmp_path):
    run(["manage.py", "migrate", "--no-input", "-v", "0"], sqlite_env)
    assert (tmp_path / "db.sqlite3").exists()

    output = run(["manage.py", "load_demo"], sqlite_env)
    assert "Demo data loaded in" in output
    assert "admin" in output and "operator" in output

    again = run(["manage.py", "load_demo", "--if-empty"], sqlite_env)
    assert "not loaded" in again

    pages = run(["-c", PAGES_SNIPPET], sqlite_env)
    assert "pages ok" in pages


# --- a fresh clone: nothing has made the database's folder yet (issue 12.21) ---------------------

APPLY_SNIPPET = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from centres.models import City, Centre
from volunteers.models import VolunteerApplication

setup_test_environment()  # the client records the page's context
city = City.objects.create(code="baku", name_az="Bakı")
centre = Centre.objects.create(code="baku-1", name_az="Bakı 1", city=city, address_az="Küçə 1")
data = {
    "full_name": "Rəşad Əliyev", "date_of_birth": "2000-01-01", "phone": "+994 55 765 43 21",
    "email": "rashad@example.az", "education": "bachelor", "languages": ["az"],
    "available_weekdays": ["1"], "consent": "on",
}
for value in ("12345678901234567890", "-99999999999999999999", "1e5", "x"):
    response = Client().post("/en/volunteers/apply/", {**data, "preferred_centres": [value]})
    print(value, response.status_code)
    assert response.status_code == 400, (value, response.status_code)
    assert "preferred_centres" in response.context["form"].errors, value
assert not VolunteerApplication.objects.exists()
print("form ok")
"""


@pytest.fixture(scope="module")
def fresh_sqlite(tmp_path_factory):
    """The settings of `make run` with the database in a folder that does not exist yet, as var/
    on a fresh clone; migrated once for the tests below."""
    database = tmp_path_factory.mktemp("clone") / "var" / "nested" / "asan_portal.sqlite3"
    assert not database.parent.exists()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "asan_portal.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "ALLOWED_HOSTS": "testserver,localhost",
        "PYTHONPATH": str(ROOT),
    }
    run(["manage.py", "migrate", "--no-input", "-v", "0"], env)
    return database, env


def test_migrate_creates_the_folder_of_the_sqlite_database(fresh_sqlite):
    database, _env = fresh_sqlite

    assert database.is_file()


def test_a_20_digit_centre_on_the_volunteer_form_is_a_form_error_on_sqlite(fresh_sqlite):
    # SQLite's integers stop at 2**63 - 1: the lookup overflowed into a 500 (issue 12.14).
    _database, env = fresh_sqlite

    assert "form ok" in run(["-c", APPLY_SNIPPET], env)
