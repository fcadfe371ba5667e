# Everything runs from a fresh clone with only Python 3.11+ installed:
# the first target that needs it creates .venv and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := wirewatch crawler storage scheduler alembic
SOURCES := $(PACKAGES) tests benchmarks tools
# The wheel installs crawler/, storage/, scheduler/ and alembic/ under wirewatch
# (pyproject's package-dir); the editable install follows that mapping with an
# import hook. mypy and import-linter read directories instead, so lint first
# lays the packages out as installed (tools/package_layout.py: build/layout).
# import-linter also puts its working directory first on sys.path, where the
# repository's own wirewatch/ (without crawler, storage, scheduler) would hide
# the layout's: so it runs from inside the layout.
LAYOUT := build/layout

.PHONY: install demo test lint format bench check-install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "wirewatch needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/wirewatch demo

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/python tools/package_layout.py
	MYPYPATH=$(LAYOUT) $(BIN)/mypy
	cd $(LAYOUT) && PYTHONPATH=. $(CURDIR)/$(BIN)/lint-imports --no-logo --no-cache $(CURDIR)/pyproject.toml

test: lint
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

# README's "Installing for real", for real: the wheel, installed without dev extras
# into a fresh venv with $(PYTHON)'s own bundled pip (never upgraded), then
# `wirewatch extract` and `wirewatch demo` run from that install (tools/check_install.py).
check-install:
	$(PYTHON) tools/check_install.py

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build
