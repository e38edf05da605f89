# Balai: `make demo` starts the web simulator, `make test` runs the whole suite,
# `make bench` measures Balai against a bare echo bot, `make bench-search` Lapak Desa's
# search against a naive scan, `make bench-broadcast` an announcement to 10,000 residents,
# `make bench-workers` one and two webhook workers on PostgreSQL (tests/bench/README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_CONFIG ?= balai.example.toml
PORT ?= 8080

.PHONY: demo test test-postgres lint types i18n i18n-compile run bench bench-search bench-broadcast \
	bench-workers clean
ARGS ?=

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

i18n-compile: $(STAMP)
	$(BIN)/pybabel compile -d locales -D messages

demo: $(STAMP) i18n-compile
	BALAI_CONFIG=$${BALAI_CONFIG:-$(DEMO_CONFIG)} $(BIN)/balai demo --port $(PORT)

run: $(STAMP) i18n-compile
	$(BIN)/balai run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) i18n-compile lint types
	$(BIN)/pytest -q

# The suite again on PostgreSQL: a throwaway cluster in a temporary folder (Debian's
# `postgresql` package; fails when it is not installed). Every test's database is a copy of
# one migrated PostgreSQL template; tests of SQLite's own machinery stay on SQLite files.
# Left out: the benchmark's smoke tests and the whole-process tests that bring their own
# SQLite file (they run in `make test`); the workers bench's smoke test runs here only,
# as it needs PostgreSQL. Options pass through: make test-postgres ARGS=-x
PG_LEFT_OUT := --ignore=tests/bench/test_bench_smoke.py \
	--ignore=tests/bench/test_broadcast_bench_smoke.py \
	--ignore=tests/bench/test_search_bench_smoke.py \
	--ignore=tests/e2e/test_process_restart.py --ignore=tests/e2e/test_wheel_install.py \
	--ignore=tests/e2e/test_kill_mid_decision.py
test-postgres: $(STAMP) i18n-compile
	$(BIN)/python -m tests.pg_cluster $(BIN)/pytest -q $(PG_LEFT_OUT) $(ARGS)

# Options pass through: make bench ARGS="--users 200 --rate 15 --duration 60 --api-delay 50"
bench: $(STAMP) i18n-compile
	$(BIN)/python -m tests.bench $(ARGS)

# Lapak Desa's search at 10,000 and 100,000 listings against a naive scan:
# make bench-search ARGS="--sizes 10000,100000 --check"
bench-search: $(STAMP)
	$(BIN)/python -m tests.bench.search $(ARGS)

# One announcement to 10,000 residents against a fake Bot API with Telegram's limits, residents
# typing meanwhile, then a kill -9 halfway: make bench-broadcast ARGS="--limit 300 --check"
bench-broadcast: $(STAMP) i18n-compile
	$(BIN)/python -m tests.bench.broadcast $(ARGS)

# One and two webhook workers on a throwaway PostgreSQL cluster, 50 ms per Bot API call, the
# offered rate rising until p95 passes 1 s: make bench-workers ARGS="--step 20 --check"
bench-workers: $(STAMP) i18n-compile
	$(BIN)/python -m tests.bench.workers $(ARGS)

# Extract msgids from the code, merge them into the catalogues, compile.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k n_:1,2 -k N_ --no-location --sort-output \
		--project=Balai --copyright-holder="Balai contributors" -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d locales -D messages

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
