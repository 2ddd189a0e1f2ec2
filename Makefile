# Two commands for a newcomer: `make run` (app on SQLite, no servers) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEV_ENV := DEBUG=1
# The suite runs on TEST_WORKERS pytest-xdist workers: worker N gets its own test database
# (test_ct39_gwN) and the Redis database N after TEST_REDIS_URL's (14 and 15 by default).
TEST_WORKERS ?= 2
TEST_ENV := SECRET_KEY=test-secret-key-not-for-production SECURE_SSL_REDIRECT=0 \
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ct39} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/14}

.PHONY: install run test lint format services

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p var/celery-broker var/celery-processed var/mail
	$(DEV_ENV) $(PY) manage.py migrate --noinput -v0
	$(DEV_ENV) $(PY) manage.py load_seeds
	$(DEV_ENV) $(PY) manage.py load_catalogue
	$(DEV_ENV) $(PY) manage.py reporting_periods
	$(DEV_ENV) $(PY) manage.py create_demo_users
	$(DEV_ENV) $(PY) manage.py demo_reports
	@$(DEV_ENV) $(VENV)/bin/celery -A config worker --beat --loglevel=warning --concurrency=1 \
		--schedule=var/celerybeat-schedule & echo $$! > var/celery.pid; \
	trap 'kill $$(cat var/celery.pid) 2>/dev/null; rm -f var/celery.pid' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

services:
	@./bin/ensure-services

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install services lint
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
