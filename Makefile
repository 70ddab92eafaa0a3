# Quick start: `make run` (gateway on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check bench bench-bulk bench-faults bench-inventory clean

$(STAMP): pyproject.toml setup.py client/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e ".[dev]"
	# the gateway installs the client from client/; editable here, so changes to it apply
	$(BIN)/pip install --quiet --no-deps -e ./client
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/numlink serve

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python bench/attach.py

bench-bulk: $(STAMP)
	$(BIN)/python bench/bulk.py

bench-faults: $(STAMP)
	$(BIN)/python bench/faults.py

bench-inventory: $(STAMP)
	$(BIN)/python bench/inventory.py

clean:
	rm -rf $(VENV) .numlink .mypy_cache .ruff_cache
