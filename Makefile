# Waymark — developer and CI entry points (GNU make).
#
#   make run     set up .venv, migrate, load demo data, serve on http://127.0.0.1:$PORT (8000),
#                and send reminders every 15 minutes (waymark remind --every 900)
#   make test    lint + type-check + pytest on SQLite and on a throwaway PostgreSQL
#   make pytest  pytest on SQLite only (quick)
#   make lint    ruff check, ruff format --check, mypy (and shellcheck when installed)
#   make fmt     ruff format + ruff check --fix
#   make messages  makemessages -l mn + compilemessages
#   make clean   remove var/ (local database, secret key, uploads) and caches; keeps .venv
#
# Extra pytest arguments: make test PYTEST_ARGS='-k grid -x'

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

# Stamps: reinstall only when a requirements file or pyproject.toml changes.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

# Browser tests drive Debian's Chromium (no Playwright browser download).
export WAYMARK_TEST_CHROMIUM ?= /usr/bin/chromium

# Keep makemessages/compilemessages out of the venv and build output.
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=staticfiles --ignore=build --ignore=dist \
	--ignore=node_modules

.PHONY: help run test pytest lint fmt messages clean venv dev

help:
	@echo "make run       install into .venv, migrate, load demo data, serve on 127.0.0.1:\$${PORT:-8000}"
	@echo "make test      ruff + mypy + pytest on SQLite and PostgreSQL (PYTEST_ARGS='...' passes through)"
	@echo "make pytest    pytest on SQLite only"
	@echo "make lint      ruff check, ruff format --check, mypy"
	@echo "make fmt       ruff format + ruff check --fix"
	@echo "make messages  makemessages -l mn + compilemessages"
	@echo "make clean     remove var/ (local database!) and caches; keeps .venv"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt -e .
	touch $@

# The dev install includes the runtime one, so it refreshes both stamps.
$(DEV_STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt -e .
	touch $@ $(RUN_STAMP)

venv: $(RUN_STAMP)
dev: $(DEV_STAMP)

run: $(RUN_STAMP)
	$(BIN)/waymark migrate --noinput
	$(BIN)/waymark demo --if-empty
	@echo
	@echo "Waymark is starting at http://127.0.0.1:$${PORT:-8000}/  (Ctrl-C stops it)"
	@echo
	@# Reminders: `waymark remind` every 15 minutes beside the server (cron does it in production).
	$(BIN)/waymark remind --every 900 & remind=$$!; \
	trap 'kill $$remind 2>/dev/null' EXIT INT TERM; \
	WAYMARK_DEBUG=true $(BIN)/waymark runserver 127.0.0.1:$${PORT:-8000}

test: $(DEV_STAMP)
	tools/test-all $(PYTEST_ARGS)

pytest: $(DEV_STAMP)
	WAYMARK_TEST_SUITES=sqlite WAYMARK_TEST_LINT=false tools/test-all $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy waymark
	@if command -v shellcheck >/dev/null; then shellcheck tools/* .ci/run; \
	else echo "(shellcheck not installed; skipped)"; fi

fmt: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(DEV_STAMP)
	$(BIN)/waymark makemessages -l mn --no-location $(I18N_IGNORE)
	$(BIN)/waymark compilemessages $(I18N_IGNORE)

clean:
	-tools/testdb stop
	rm -rf var/ staticfiles/ test-results/ screenshots/ .pytest_cache/ .mypy_cache/ .ruff_cache/ \
		build/ dist/ htmlcov/ .coverage
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
