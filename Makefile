# 政务公开门户 — the commands a person needs. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1) + 1)')

.PHONY: run test test-e2e soak screenshots lint security clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

## Start the portal on embedded SQLite with demo data at http://$(HOST):$(PORT)/
run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) demo-load --if-empty
	PORTAL_SITE_SPONSOR=$${PORTAL_SITE_SPONSOR-民权县人民政府办公室} PORTAL_BIND=$(HOST):$(PORT) PORTAL_WORKERS=$(WORKERS) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## Run the test suite (SQLite; set PORTAL_TEST_DATABASE_URL for PostgreSQL)
test: $(VENV)/.installed-test
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

## Browser tests in Debian's Chromium (installed by .ci/chromium.sh when missing)
test-e2e: $(VENV)/.installed-test
	bash .ci/chromium.sh
	PORTAL_E2E=1 $(BIN)/pytest tests/e2e $(PYTEST_ARGS)

## Load and fault tests on loopback (killed worker, locked or restarted database, full
## disk); prints the figures. PostgreSQL scenarios run when PORTAL_TEST_DATABASE_URL is set.
soak: $(VENV)/.installed-test
	PORTAL_SOAK=1 $(BIN)/pytest tests/soak -s -p no:randomly $(PYTEST_ARGS)

## PNGs of the main pages, phone and desktop, into docs/screenshots/
screenshots: $(VENV)/.installed-test
	bash .ci/chromium.sh
	PORTAL_E2E=1 PORTAL_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/e2e/test_screenshots.py

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed-run

## Load test on loopback (wrk and nginx from Debian when missing); writes bench/RESULTS.md.
## BENCH_SIZES (default "medium large"), BENCH_DURATION (default 10 s per page): see bench/run.py
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check portal tests migrations wsgi.py bench

## bandit, medium and high severity; justified exceptions are listed in docs/bandit.md
security: $(VENV)/.installed-test
	$(BIN)/bandit -r portal -ll -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
