# `make run` and `make test` set everything up on a fresh clone (see README.md).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# One stamp per installed set, named by the checksum of its files: an edit reinstalls that set.
STAMP := $(VENV)/.requirements-app-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.requirements-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000
# Test processes (pytest-xdist); each has its own SQLite file, PostgreSQL schema and Redis database.
TEST_WORKERS ?= 2

.PHONY: setup setup-dev chromium run serve-prod test test-fast bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.requirements-app-*
	touch $(STAMP)

## The app's requirements only (what `make run` and production need).
setup: $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.requirements-dev-*
	touch $(DEV_STAMP)

## The app's requirements plus the test, browser and fuzzing tools.
setup-dev: $(DEV_STAMP)

## Browser tests drive Debian's chromium (not Playwright's own download), with CJK fonts so
## screenshots show Chinese rather than boxes.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } || { \
	  echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk; } ; }

## Serve the app on the embedded SQLite database with demo data.
run: setup
	$(BIN)/flask --app wsgi upgrade
	$(BIN)/flask --app wsgi load-demo
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

## Production mode: gunicorn with WEB_CONCURRENCY workers plus the outbox worker (RQ and its retry
## poller when REDIS_URL is set), configured only through environment variables (docs/operations.md).
serve-prod: setup
	@test -n "$$SECRET_KEY" || { echo "SECRET_KEY must be set (docs/operations.md, Production deployment)" >&2; exit 1; }
	APP_ENV=production $(BIN)/flask --app wsgi upgrade
	trap 'kill $$(jobs -p) 2>/dev/null' INT TERM EXIT; \
	APP_ENV=production $(BIN)/flask --app "backend:create_worker_app()" worker & \
	APP_ENV=production $(BIN)/gunicorn --workers $${WEB_CONCURRENCY:-2} --bind $${BIND:-$(HOST):$(PORT)} \
	  --access-logfile - --logger-class backend.logging_setup.MaskingGunicornLogger \
	  --timeout 30 --graceful-timeout 20 wsgi:app

## The whole suite, on SQLite and PostgreSQL (CI=true: PostgreSQL must be reachable).
test: setup-dev chromium
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

## The suite without slow browser/load tests, for quick local runs.
test-fast: setup-dev
	$(BIN)/python -m pytest -m "not slow" -x

## Benchmarks (print their figures and ratios against the targets).
bench: setup-dev
	@command -v wrk >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq wrk || { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; }; }
	$(BIN)/python benchmarks/seed_institutions.py
	$(BIN)/python benchmarks/filing_decision.py --backend sqlite
	$(BIN)/python benchmarks/filing_decision.py --backend postgresql
	$(BIN)/python benchmarks/nlu_speed.py
	$(BIN)/python benchmarks/dialog_turn.py
	$(BIN)/python benchmarks/dialog_turn_floor.py
	$(BIN)/python benchmarks/institution_search.py
	$(BIN)/python benchmarks/chronic_eligibility.py
	$(BIN)/python benchmarks/settlement_estimate.py
	$(BIN)/python benchmarks/console_queue.py
	$(BIN)/python benchmarks/wechat_turn.py
	$(BIN)/python benchmarks/document_upload.py
	$(BIN)/python benchmarks/soak.py --users 10000

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
