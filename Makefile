# Everything runs from a fresh clone with only Python 3.11+ installed:
# the first target that needs it creates .venv and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOURCES := wirewatch crawler storage scheduler tests benchmarks alembic setup.py

.PHONY: install demo test lint format bench clean

$(STAMP): pyproject.toml setup.py crawler/extract/_treewalk.pyx
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "wirewatch needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# A build that fails must not leave an older compiled module in place.
	rm -f crawler/extract/_treewalk.*.so crawler/extract/_treewalk.c
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(BIN)/python -c 'from crawler.extract.speedups import treewalk as t; print("compiled tree walks:", "built" if t else "NOT built (no C compiler?): extraction runs its Python walks")'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/wirewatch demo

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build crawler/extract/_treewalk.*.so crawler/extract/_treewalk.c
