# The two commands: `make run` (portal on embedded SQLite) and `make test` (suite on PostgreSQL + Redis).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
# xstatic-bootstrap's build needs pkg_resources, which setuptools>=81 dropped.
export PIP_BUILD_CONSTRAINT := $(CURDIR)/constraints-build.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format worker bench messages system-deps browser-deps check-services demo clean audit audit-code audit-deps

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q -U pip

$(RUNTIME_STAMP): requirements.txt constraints-build.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt constraints-build.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

# gettext compiles the translation catalogues; Debian's Chromium drives the browser tests.
system-deps:
	@command -v msgfmt >/dev/null || { echo "Installing gettext (needs root)"; apt-get update -qq && apt-get install -y -qq gettext; }

browser-deps: system-deps
	@command -v chromium >/dev/null || { echo "Installing Debian's Chromium (needs root)"; apt-get update -qq && apt-get install -y -qq chromium; }

messages: system-deps $(RUNTIME_STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v 0

run: messages
	mkdir -p var
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py runserver 127.0.0.1:8000

check-services:
	@$(PY) -m asan_portal.check_services

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(DEV_STAMP) browser-deps messages lint audit-code check-services
	DJANGO_SETTINGS_MODULE=asan_portal.settings.test $(PY) manage.py makemigrations --check --dry-run -v 0
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS)

# Security checks: bandit on our code (offline, part of `make test`), pip-audit on the pinned
# requirements (needs a vulnerability service online; says so and passes when it cannot reach one).
audit: audit-code audit-deps

audit-code: $(DEV_STAMP)
	$(VENV)/bin/bandit -c pyproject.toml -q -r asan_portal core services centres appointments feedback volunteers

audit-deps: $(DEV_STAMP)
	$(PY) -m asan_portal.dependency_audit

worker: $(RUNTIME_STAMP)
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(VENV)/bin/celery -A asan_portal worker --beat -l info

bench: $(DEV_STAMP) messages
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
