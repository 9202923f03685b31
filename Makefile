# One obvious command for each chore. `make demo` sets everything up and runs the main job;
# `make test` runs what CI runs.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint typecheck unit lock bench clean

$(BIN)/hub: pyproject.toml plugins/*/pyproject.toml requirements-dev.lock
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -e . -e plugins/generic_excel -e plugins/vnedu -e plugins/smas
	touch $(BIN)/hub

setup: $(BIN)/hub

demo: setup
	$(BIN)/hub demo

lint: setup
	$(BIN)/ruff check hub plugins tests bench
	$(BIN)/ruff format --check hub plugins tests bench
	$(BIN)/lint-imports --no-cache

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q

test: lint typecheck unit

# Re-pin the dependencies after editing pyproject.toml (needs uv in the venv).
lock:
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock -q
	$(BIN)/uv pip compile pyproject.toml -o requirements.lock -q

bench: setup
	$(BIN)/python bench/bench_documents.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
