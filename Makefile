# 政务公开门户 — the commands a person needs. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1) + 1)')
# The checkout runs in development mode: a generated secret key and instance/portal.db.
# Production (the default when unset) must be given PORTAL_SECRET_KEY and PORTAL_DATABASE_URL.
export PORTAL_ENV ?= development

.PHONY: run test test-e2e soak screenshots lint security clean bench lock wheel-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Every dependency, indirect ones included, from the lock files with their hashes
# (requirements/*.txt, made by `make lock`); then the portal itself, without resolving.
INSTALL_SELF := $(BIN)/pip install --quiet --no-deps --no-build-isolation -e .

$(VENV)/.installed-run: requirements/runtime.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/runtime.txt
	$(INSTALL_SELF)
	touch $@

$(VENV)/.installed-test: requirements/test.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/test.txt
	$(INSTALL_SELF)
	touch $@ $(VENV)/.installed-run

## Start the portal on embedded SQLite with demo data at http://$(HOST):$(PORT)/, and the
## notification worker beside it (stopped with it)
run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) demo-load --if-empty
	$(FLASK) notify worker & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	PORTAL_SITE_SPONSOR=$${PORTAL_SITE_SPONSOR-民权县人民政府办公室} PORTAL_BIND=$(HOST):$(PORT) PORTAL_WORKERS=$(WORKERS) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## Run the test suite (SQLite; set PORTAL_TEST_DATABASE_URL for PostgreSQL)
test: $(VENV)/.installed-test
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

# The Nu HTML checker and pa11y, from package-lock.json (no browser download: Debian's
# Chromium is used; install scripts are not run).
node_modules/.installed: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund
	touch $@

## Browser tests in Debian's Chromium (installed by .ci/chromium.sh when missing), with
## axe-core on every page visited, and the Nu HTML checker and pa11y over a crawl
test-e2e: $(VENV)/.installed-test
	bash .ci/chromium.sh
	$(MAKE) --no-print-directory node_modules/.installed
	PORTAL_E2E=1 $(BIN)/pytest tests/e2e $(PYTEST_ARGS)

## Load and fault tests on loopback (killed worker, locked or restarted database, full
## disk); prints the figures. PostgreSQL scenarios run when PORTAL_TEST_DATABASE_URL is set.
soak: $(VENV)/.installed-test
	PORTAL_SOAK=1 $(BIN)/pytest tests/soak -s -p no:randomly $(PYTEST_ARGS)

## PNGs of the main pages, phone and desktop, into docs/screenshots/
screenshots: $(VENV)/.installed-test
	bash .ci/chromium.sh
	PORTAL_E2E=1 PORTAL_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/e2e/test_screenshots.py

$(VENV)/.installed-bench: requirements/bench.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/bench.txt
	$(INSTALL_SELF)
	touch $@ $(VENV)/.installed-run

## Load test on loopback (wrk and nginx from Debian when missing); writes bench/RESULTS.md.
## BENCH_SIZES (default "medium large"), BENCH_DURATION (default 10 s per page): see bench/run.py
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check portal tests migrations bench wsgi.py gunicorn.conf.py setup.py

## bandit, medium and high severity; justified exceptions are listed in docs/bandit.md
security: $(VENV)/.installed-test
	$(BIN)/bandit -r portal -ll -q

## Re-pin every dependency with hashes into requirements/ after changing pyproject.toml;
## take an update with e.g. `make lock LOCK_UPGRADE=--upgrade-package=chinesecalendar`
LOCK_UPGRADE ?=
lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	for extra in runtime test bench; do \
	  CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet $(LOCK_UPGRADE) \
	    --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	    --no-emit-find-links --no-emit-index-url \
	    $$([ $$extra = runtime ] || echo --extra $$extra) \
	    --output-file requirements/$$extra.txt pyproject.toml; \
	done

## The wheel, installed outside the checkout, migrated and served (as CI checks it)
wheel-check:
	bash .ci/wheel.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
