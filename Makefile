# The two commands: `make run` and `make test`. Everything else is a building block.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
NPM := npm --prefix frontend
SHARED_DATA := $(abspath ../shared/data/binance)
# Offline, `make run` plays the recorded market when the shared candles are there.
ifneq ($(wildcard $(SHARED_DATA)),)
export MARKET_REPLAY_DIR ?= $(SHARED_DATA)
endif

.PHONY: help install lock web run worker ingestor bot migrate test pytest lint web-test e2e bench client dev-web clean fuzz audit mutate

help:
	@echo "make run     install what is needed, migrate, build the web app and start everything"
	@echo "            (with REDIS_URL also one job worker; the API takes the singleton leases it can)"
	@echo "make test    every test: lint, types, pytest (SQLite + PostgreSQL + Redis), web unit, e2e"
	@echo "make worker | ingestor   more processes for scale-out (candidates for the singleton leases)"
	@echo "make bot    the Telegram bot (TELEGRAM_BOT_TOKEN; without it the bot says it is off and exits)"
	@echo "make bench | client | dev-web | migrate"
	@echo "make fuzz    the API and /ws fuzzers with many more examples than make test runs"
	@echo "make audit   pip-audit and npm audit of the locks (needs the advisory databases online)"
	@echo "make lock    regenerate requirements.lock (dev extra) and requirements.prod.lock (same pins, no dev tools); LOCK_ARGS=--upgrade to upgrade"

$(VENV)/.installed: requirements.lock requirements.bot.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	# the Telegram bot's aiogram, apart: it declares an older pydantic (see requirements.bot.lock)
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r requirements.bot.lock
	@touch $@

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed frontend/node_modules/.installed

# requirements.prod.lock (the API/worker images) is seeded from the full lock, so pip-compile keeps
# its pins: every package it shares with requirements.lock has the same version.
lock: $(VENV)/.installed
	$(VENV)/bin/pip-compile --extra=dev --output-file=requirements.lock --strip-extras $(LOCK_ARGS) pyproject.toml
	cp requirements.lock requirements.prod.lock
	$(VENV)/bin/pip-compile --output-file=requirements.prod.lock --strip-extras pyproject.toml

web: frontend/node_modules/.installed
	$(NPM) run build

migrate: $(VENV)/.installed
	@mkdir -p var
	$(PY) -m alembic upgrade head

run: install web migrate
	$(PY) -m backend.serve

worker: $(VENV)/.installed
	$(PY) -m backend.worker

ingestor: $(VENV)/.installed
	$(PY) -m backend.market.ingestor

bot: $(VENV)/.installed
	$(PY) -m telegram_bot

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check backend telegram_bot tests bench alembic
	$(VENV)/bin/ruff format --check backend telegram_bot tests bench alembic
	$(VENV)/bin/mypy
	# medium and above; the two accepted findings are in the baseline (README "Security notes")
	$(VENV)/bin/bandit -q -r backend telegram_bot -ll -b tests/security/bandit-baseline.json

pytest: $(VENV)/.installed
	$(PY) -m pytest -n 2 --dist loadgroup -q

web-test: frontend/node_modules/.installed
	$(NPM) run lint
	$(NPM) test

e2e: install web
	$(NPM) run e2e

test: install lint pytest web-test e2e

# schemathesis with FUZZ_EXAMPLES valid and as many invalid requests per operation and role
# (`make test` runs 6), and the /ws fuzz
fuzz: $(VENV)/.installed
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(PY) -m pytest -q -p no:randomly --timeout=3600 \
		tests/security/test_openapi_fuzz.py tests/security/test_ws_fuzz.py

# Mutation testing (mutmut) of the pure modules and the tests that cover them, outside CI's time
# (README "Reliability" > "Test strength"). Runs in a scratch copy (.mutate/) so the tree is never
# mutated; MUTATE_MODULES / MUTATE_TESTS narrow it (paths, space-separated).
# (trading/pricing.py and portfolio.py have no unit tests of their own yet: only API tests reach
# them, too slow to run per mutant)
MUTATE_MODULES ?= backend/trading/rules.py backend/trading/matching.py backend/trading/ledger.py \
	backend/market/candles.py backend/alerts/index.py backend/forecasting/metrics.py
MUTATE_TESTS ?= tests/trading/test_rules.py tests/trading/test_matching.py \
	tests/trading/test_ledger.py tests/trading/test_triggers.py::test_trigger_direction_table \
	tests/market/test_candles.py tests/alerts/test_index.py tests/forecasting/test_metrics.py
mutate: $(VENV)/.installed frontend/node_modules/.installed
	rm -rf .mutate && mkdir .mutate
	cp -r backend tests alembic alembic.ini pyproject.toml .mutate/
	ln -s $(abspath ..)/shared .mutate/shared
	printf '\n[tool.mutmut]\nsource_paths = [%s]\nalso_copy = ["backend", "tests", "alembic", "alembic.ini"]\npytest_add_cli_args = ["-p", "no:randomly", "-q"]\npytest_add_cli_args_test_selection = [%s]\n' \
		"$$(printf '"%s", ' $(MUTATE_MODULES))" "$$(printf '"%s", ' $(MUTATE_TESTS))" >> .mutate/pyproject.toml
	cd .mutate && ../$(VENV)/bin/mutmut run --max-children 2; ../$(VENV)/bin/mutmut results
	# Stryker on the web app's order checks (frontend/stryker.config.mjs; fails under 90 % killed)
	$(NPM) run mutate:web

# Known vulnerabilities in the pinned dependencies: PyPI's advisory data and npm's, so not part of
# `make test` (CI may have no route to them).
audit: install
	# --strict: a pin the advisory service cannot look up fails the audit (else it is skipped and
	# the run still says "No known vulnerabilities found")
	$(VENV)/bin/pip-audit --strict --no-deps --disable-pip -r requirements.prod.lock
	$(VENV)/bin/pip-audit --strict --no-deps --disable-pip -r requirements.lock
	cd frontend && npm audit --package-lock-only

bench: install web
	$(PY) bench/run_all.py

client: install
	$(PY) -m backend.openapi > frontend/openapi.json
	$(NPM) run gen:api

dev-web: frontend/node_modules/.installed
	$(NPM) run dev

clean:
	rm -rf var frontend/dist .pytest_cache .mypy_cache .ruff_cache
