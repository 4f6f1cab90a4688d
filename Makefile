# The two commands a newcomer needs:  make demo  and  make test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
SCALE ?= small

.PHONY: setup demo test test-slow test-spark test-postgres test-browser lint format bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

## Generate the demo company, load it, then rollups → forecast → plan → alerts → weekly report, on the embedded DuckDB warehouse.
demo: setup
	$(BIN)/chainsight demo run --scale $(SCALE) --out demo-data/$(SCALE) --warehouse demo-data/chainsight-$(SCALE).duckdb --pipeline

## Lint, then the default (fast) test suite, then every docstring example of the package (a run of its
## own: with tests/ in the same run, doctest collection imports the test modules and their conftests).
test: setup lint
	$(BIN)/python -m pytest -q -n 2
	$(BIN)/python -m pytest -q --doctest-modules chainsight --ignore=chainsight/appdb/migrations

## Slow and scale tests (run by CI as a separate step).
test-slow: setup
	$(BIN)/python -m pytest -q -m slow

## Spark tests: the golden metric tests and the Spark warehouse on local Spark (Java 17).
test-spark: setup
	$(BIN)/python -m pytest -q -m spark

## PostgreSQL tests: app metadata and migrations against a real local server (see scripts/ci-postgres).
test-postgres: setup
	scripts/ci-postgres $(BIN)/python -m pytest -q -m postgres

## Browser tests: Playwright driving Debian's Chromium (apt-get install chromium fonts-noto-cjk).
test-browser: setup
	$(BIN)/python -m pytest -q -m browser

lint: setup
	$(BIN)/ruff check chainsight tests bench
	$(BIN)/ruff format --check chainsight tests bench
	$(BIN)/mypy chainsight

format: setup
	$(BIN)/ruff check --fix chainsight tests bench
	$(BIN)/ruff format chainsight tests bench

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) demo-data .pytest_cache .ruff_cache .mypy_cache
