# Netwerkbrug — `make run` starts a demo site, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in mails and calendar feeds point at the server `make run` starts.
BASE_URL ?= http://$(HOST):$(PORT)

.DEFAULT_GOAL := help
.PHONY: help install run worker test lint fmt i18n-extract i18n-update i18n-compile i18n-check db-migrate db-upgrade bench

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@echo "==> 1/3 creating the virtual environment in $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> 2/3 updating pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> 3/3 installing Netwerkbrug and its test tools (2-3 minutes the first time)"
	@$(BIN)/python -m pip install --progress-bar off -e '.[dev]'
	@touch $(STAMP)
	@echo "==> installed; 'make run' serves the demo, 'make test' runs the checks"

install: $(STAMP) ## create .venv and install the app with its test tools

run: install i18n-compile ## migrate, load demo data, serve on http://127.0.0.1:5000 (or HOST=, PORT=) with one mail worker
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	export BASE_URL='$(BASE_URL)'; \
	  $(FLASK) worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host '$(HOST)' --port '$(PORT)'

worker: install ## deliver queued mail until stopped
	$(FLASK) worker

test: install i18n-compile ## the whole suite (TEST_DATABASE_URL=postgresql://… for PostgreSQL)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install ## format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

i18n-extract: install ## collect translatable messages into translations/messages.pot
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .

i18n-update: i18n-extract ## merge new messages into the nl/de/en catalogues
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

i18n-compile: install ## compile the catalogues (.mo)
	$(BIN)/pybabel compile -d translations --statistics

i18n-check: install ## fail when a message is missing or untranslated in nl or de
	$(BIN)/python -m pytest tests/core/test_translations.py -q

db-migrate: install ## autogenerate a migration: make db-migrate m="what changed"
	$(FLASK) db migrate -m "$(m)"

db-upgrade: install ## apply migrations to the configured database
	$(FLASK) db upgrade

bench: install ## print throughput ratios (see bench/; BENCH_ARGS="--database-url URL")
	for b in bench/feed.py "bench/http_pages.py --scale 10" bench/search.py bench/mail_outbox.py \
	  bench/newsletter_send.py; do \
	  echo "== $$b"; $(BIN)/python $$b $(BENCH_ARGS) || exit 1; done
