# selfeval — two commands: `make run` (demo on http://127.0.0.1:8000) and `make test`.
#
#   make setup   venv + runtime packages (requirements/base.txt) + system packages + migrate
#   make run     setup, load the demo data (prints the demo accounts), runserver + the
#                background worker (stopped with it)
#   make serve   production: gunicorn + whitenoise against PostgreSQL (env: docs/deploy.md)
#   make worker  the background worker for long jobs (ZIP, Excel summary, bulk import):
#                production with DATABASE_URL=postgres://…, else development
#   make test    venv + requirements/dev.txt + test system packages, then pytest
#                (SQLite by default; PostgreSQL when DATABASE_URL is set in the environment)
#                extra pytest arguments: make test PYTEST_ARGS="-k scoring -x"
#   make lint    ruff check + ruff format --check
#   make fmt     ruff check --fix + ruff format
#   make lock    regenerate requirements/*.txt from pyproject.toml (LOCK_ARGS=--upgrade to bump)
#   make clean   remove the venvs, caches and build output (keeps db.sqlite3 and media/)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
LOCK_ARGS ?=

.PHONY: help setup run serve worker test lint fmt lock clean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

setup:
	@bash scripts/setup.sh base
	$(PY) manage.py migrate --noinput

run: setup
	$(PY) manage.py load_demo
	@HOST=$(HOST) PORT=$(PORT) PY=$(PY) bash scripts/run.sh

# Needs DATABASE_URL (postgres://), SECRET_KEY and ALLOWED_HOSTS; see docs/deploy.md.
serve:
	@bash scripts/setup.sh base
	@HOST=$(HOST) PORT=$(PORT) bash scripts/serve.sh

# In production the same environment as serve (DEBUG=false then, scripts/worker.sh); run
# one (or more) beside every gunicorn, or on its own host. `make run` starts its own.
worker:
	@bash scripts/setup.sh base
	@PY=$(PY) bash scripts/worker.sh

test:
	@bash scripts/setup.sh test
	$(PY) -m pytest $(PYTEST_ARGS)

# Both checks always run; the target fails if either does.
lint:
	@bash scripts/setup.sh lint
	@rc=0; \
	echo "$(RUFF) check ."; $(RUFF) check . || rc=1; \
	echo "$(RUFF) format --check ."; $(RUFF) format --check . || rc=1; \
	exit $$rc

fmt:
	@bash scripts/setup.sh lint
	$(RUFF) check --fix .
	$(RUFF) format .

lock:
	@LOCK_ARGS="$(LOCK_ARGS)" bash scripts/lock.sh

clean:
	rm -rf $(VENV) .venv-lock .pytest_cache .ruff_cache .hypothesis staticfiles out
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
