# The README's two commands: `make demo` and `make test`, from a clean clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint check clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed  ## set up and run the bundled default scenario
	$(BIN)/python run_sim.py run scenarios/business_licensing.yaml

lint: $(VENV)/.installed-test
	$(BIN)/ruff check simulator tests
	$(BIN)/mypy simulator

test: lint  ## set up and run the whole suite (installs Debian's chromium for the brief's browser test if missing)
	tests/ensure-chromium
	$(BIN)/pytest -n 2

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

bench: $(VENV)/.installed-bench  ## the performance suite: one table, and benchmarks/RESULTS.md (BENCH_ARGS=--quick: tiny)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

check: $(VENV)/.installed-test  ## the acceptance checks of ../shared (if present)
	../shared/checks/run-all

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build *.egg-info
