# Grassroots: `make demo` starts the demo city; `make test` runs the whole suite (SQLite, then PostgreSQL).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
GR := $(PY) -m grassroots.cli
export GRASSROOTS_PORT ?= 8000
GRASSROOTS_TEST_PG ?= postgres://postgres@127.0.0.1:5432/
PYTEST_ARGS ?=
DIST := src/grassroots/static/dist/app.js

.PHONY: install assets static demo serve test test-sqlite test-pg lint fmt browser-deps bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(DIST): node_modules/.package-lock.json assets/build.mjs $(wildcard assets/js/*.js assets/css/*.css)
	node assets/build.mjs

assets: $(DIST)

# collectstatic (hashing and compressing every file) only when a static source changed since the last run.
VAR_DIR := $(or $(GRASSROOTS_VAR),var)
STATIC_MANIFEST := $(VAR_DIR)/static/staticfiles.json
STATIC_SOURCES := $(shell find src/grassroots -path '*/static/*' -type f 2>/dev/null)

$(STATIC_MANIFEST): $(VENV)/.installed $(DIST) $(STATIC_SOURCES)
	$(GR) collectstatic --noinput -v0

static: install assets $(STATIC_MANIFEST)

# First run: venv, assets, migrations, the `small` demo city and an administrator; later runs reuse them.
demo: static
	$(GR) migrate --noinput -v0 --skip-checks
	$(GR) demo --preset small --seed 1 --if-empty
	$(GR) demoadmin
	$(GR) serve

serve: static
	$(GR) serve

# Debian's chromium and CJK fonts for the browser tests (root on CI; skipped with a note otherwise).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium and fonts-noto-cjk"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium or fonts-noto-cjk missing and not root: browser tests will be skipped"; fi; \
	fi

lint: install
	$(VENV)/bin/ruff check src tests scripts
	$(VENV)/bin/ruff format --check src tests scripts
	$(GR) makemigrations --check --dry-run -v0
	$(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff format src tests scripts
	$(VENV)/bin/ruff check --fix src tests scripts

test: install assets browser-deps lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-pg

test-sqlite:
	@echo "== test pass 1/2: SQLite =="
	GRASSROOTS_VAR=$$(mktemp -d) $(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

# The PostgreSQL pass runs every test again, property tests with 40 % of their generated examples
# (tests/examples.py): it is there for what the database changes, the SQLite pass explores in full.
test-pg:
	@echo "== test pass 2/2: PostgreSQL =="
	@if reason=$$($(PY) scripts/pg_available.py "$(GRASSROOTS_TEST_PG)"); then \
	  GRASSROOTS_VAR=$$(mktemp -d) GRASSROOTS_DATABASE_URL="$(GRASSROOTS_TEST_PG)grassroots_$$$$" \
	    GRASSROOTS_TEST_EXAMPLES=0.4 $(PY) -m pytest -n 2 -q $(PYTEST_ARGS); \
	else \
	  echo "PostgreSQL pass SKIPPED: no server reachable at $(GRASSROOTS_TEST_PG) ($$reason)"; \
	fi

bench: install
	$(GR) bench all

clean:
	rm -rf var src/grassroots/static/dist node_modules
