# Kubesim on a fresh machine needs Python 3.11+ and make, nothing else:
#   make run    set up .venv, migrate, seed the demo cluster, serve on http://$(HOST):$(PORT)
#   make test   the whole test suite
#   make bench  the store, control-plane, API and dashboard benchmarks (SQLite, then PostgreSQL if reachable)

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Written after a successful install: the venv is rebuilt only when requirements.txt changes.
STAMP := $(VENV)/.installed
BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/kubesim_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: run test bench

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Kubesim: http://$(HOST):$(PORT)/"
	exec $(BIN)/daphne -b $(HOST) -p $(PORT) kubesim.asgi:application

test: $(STAMP)
	$(BIN)/pytest $(ARGS)

bench: $(STAMP)
	$(BIN)/python manage.py bench
	$(BIN)/python manage.py bench_control_plane
	$(BIN)/python manage.py bench_api
	DATABASE_URL=$(BENCH_POSTGRES_URL) $(BIN)/python manage.py bench --skip-if-unreachable
	DATABASE_URL=$(BENCH_POSTGRES_URL) $(BIN)/python manage.py bench_control_plane --skip-if-unreachable
	DATABASE_URL=$(BENCH_POSTGRES_URL) $(BIN)/python manage.py bench_api --skip-if-unreachable
	$(BIN)/python manage.py bench_dashboard
	$(BIN)/python manage.py bench_dashboard --skip-if-unreachable --database-url $(BENCH_POSTGRES_URL) \
		--redis-url $(BENCH_REDIS_URL)

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Kubesim needs Python 3.11 or newer as '$(PYTHON)'; found: $$($(PYTHON) --version 2>&1)." >&2; \
		echo "Install it, or run e.g. 'make PYTHON=python3.12 run'." >&2; exit 1; }
	@test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV) || { \
		echo "Could not create $(VENV). On Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@
