# Everything runs from a local virtualenv in .venv, created on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run`'s links (in e-mails, API answers and the printed logins) point where it
# serves, unless PUBLIC_BASE_URL says otherwise.
RUN_BASE_URL = $(or $(PUBLIC_BASE_URL),http://$(HOST):$(PORT))

.DEFAULT_GOAL := help
.PHONY: help install install-dev run migrate seed test test-fast lint format check-migrations \
	worker beat stack messages shell clean bench bench-setup bench-report loadtest

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed  ## install the app's dependencies into .venv

install-dev: $(VENV)/.installed-dev  ## install the app's and the tests' dependencies

migrate: install  ## apply database migrations
	$(MANAGE) migrate --noinput

seed: migrate  ## load the demo data (idempotent) and print the demo logins and links
	$(MANAGE) seed_demo --base-url $(RUN_BASE_URL)

run: seed  ## install, migrate, load demo data and serve http://127.0.0.1:8000 (with a worker if REDIS_URL is set)
	@if [ -n "$$REDIS_URL$$CELERY_BROKER_URL" ]; then \
		echo "Starting a Celery worker (with beat) against the broker in REDIS_URL/CELERY_BROKER_URL"; \
		PUBLIC_BASE_URL=$(RUN_BASE_URL) $(BIN)/celery -A orders_project worker --beat --scheduler django_celery_beat.schedulers:DatabaseScheduler --loglevel INFO --concurrency 2 -Q default,webhooks,notifications,reports & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		PUBLIC_BASE_URL=$(RUN_BASE_URL) $(MANAGE) runserver $(HOST):$(PORT); \
	else \
		PUBLIC_BASE_URL=$(RUN_BASE_URL) $(MANAGE) runserver $(HOST):$(PORT); \
	fi

test: install-dev  ## run the whole test suite (PostgreSQL-only tests skip on SQLite)
	$(BIN)/pytest

test-fast: install-dev  ## the suite without the browser tests and the slow process tests
	$(BIN)/pytest -m "not browser and not slow" -p no:playwright

lint: install-dev  ## ruff check, ruff format --check, import-linter's layer contracts and makemigrations --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(MAKE) --no-print-directory check-migrations

check-migrations: install
	$(MANAGE) makemigrations --check --dry-run

format: install-dev  ## rewrite the code in the project's style
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The same commands as the Procfile's worker and beat (a test keeps them equal).
worker: install  ## a Celery worker against REDIS_URL
	$(BIN)/celery -A orders_project worker --loglevel INFO -Q default,webhooks,notifications,reports

beat: install  ## the Celery beat scheduler (django-celery-beat) against REDIS_URL; run exactly one
	$(BIN)/celery -A orders_project beat --loglevel INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

# Production-like on one machine: DEBUG off, PostgreSQL, Redis, gunicorn, a worker and beat
# from the Procfile under honcho. Configuration comes from the environment only (honcho is
# told not to read a .env file, which the checks, migrate and collectstatic would not see).
STACK_REQUIRED := DATABASE_URL REDIS_URL SECRET_KEY ALLOWED_HOSTS
stack: install  ## DEBUG=0: migrate, collectstatic, then gunicorn + worker + beat (Procfile, honcho) on HOST:PORT
	@missing=""; for name in $(STACK_REQUIRED); do \
		eval "value=\$${$$name:-}"; [ -n "$$value" ] || missing="$$missing $$name"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make stack: set$$missing in the environment first (DEBUG is off: nothing has a default)." >&2; \
		echo "  e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/orders REDIS_URL=redis://127.0.0.1:6379/0" >&2; \
		echo "       SECRET_KEY=\$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" >&2; \
		echo "       ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 make stack   (plain http on loopback)" >&2; \
		exit 2; \
	fi
	DEBUG=0 $(MANAGE) migrate --noinput
	DEBUG=0 $(MANAGE) sync_roles
	DEBUG=0 $(MANAGE) collectstatic --noinput
	DEBUG=0 HOST=$(HOST) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --env /dev/null start --port $(PORT)

messages: install  ## update the Vietnamese catalogue and compile it (needs GNU gettext)
	$(MANAGE) makemessages -l vi --ignore=.venv --ignore=test-results
	$(MANAGE) compilemessages -l vi --ignore=.venv

# Benchmarks load their own orders into a scratch database, never into DATABASE_URL's.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/orders_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/2
BENCH_ENV := DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) DEBUG=0 \
	SECRET_KEY=benchmark-only-secret-key-not-for-production-0123456789 \
	ALLOWED_HOSTS=testserver,127.0.0.1,localhost SECURE_SSL_REDIRECT=0

bench-setup: install-dev
	$(BIN)/python -m benchmarks.createdb "$(BENCH_DATABASE_URL)"
	$(BENCH_ENV) $(MANAGE) migrate --noinput >/dev/null
	$(BENCH_ENV) $(MANAGE) collectstatic --noinput >/dev/null

bench: bench-setup  ## load BENCH_ORDERS (1,000,000) orders into a scratch PostgreSQL database, measure, write benchmarks/RESULTS.md
	$(BENCH_ENV) $(BIN)/python -m benchmarks.run

bench-report: bench-setup  ## only the finance report benchmark, over BENCH_ORDERS (100,000) orders
	$(BENCH_ENV) BENCH_ORDERS=$${BENCH_ORDERS:-100000} $(BIN)/python -m benchmarks.finance_report

# Its own PostgreSQL (initdb, port 5439, database orders_load) and redis-server (port 6390,
# db 9), started and stopped by the driver: the faults never touch the shared servers.
loadtest: install-dev  ## 2 min of locust load with a PostgreSQL restart and a Redis outage, then data checks; writes loadtest/RESULTS.md
	$(BIN)/python -m loadtest.run

shell: install  ## a Django shell
	$(MANAGE) shell

clean:  ## remove the virtualenv, the SQLite database and generated files
	rm -rf $(VENV) db.sqlite3 var test-results .pytest_cache .ruff_cache
