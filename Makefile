# Every target works on a fresh machine with only Python >= 3.10 and make:
# the virtual environment is created on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make test-matrix` runs the suite on each of these it finds on PATH.
MATRIX ?= 3.10 3.11 3.12 3.13 3.14

.PHONY: install test test-matrix lint demo bench clean

install: $(STAMP)

# pip 25.1 and newer install PEP 735 dependency groups (--group).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=25.1'
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# One virtual environment per interpreter (.venv-3.X); an absent one is skipped, and said.
# An interpreter is pythonX.Y on PATH that runs (a pyenv shim may not), else one that
# pyenv installed.
test-matrix:
	@status=0; for version in $(MATRIX); do \
	    interpreter=""; \
	    for candidate in $$(command -v python$$version) $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$version*/bin/python$$version 2>/dev/null); do \
	        if $$candidate -c "import sys" >/dev/null 2>&1; then interpreter=$$candidate; break; fi; \
	    done; \
	    if [ -z "$$interpreter" ]; then echo "== Python $$version: not found, skipped"; continue; fi; \
	    echo "== Python $$version: $$interpreter"; \
	    venv=.venv-$$version; \
	    if [ ! -f $$venv/.installed ] || [ pyproject.toml -nt $$venv/.installed ]; then \
	        $$interpreter -m venv $$venv && \
	        $$venv/bin/python -m pip install --quiet --upgrade 'pip>=25.1' && \
	        $$venv/bin/python -m pip install --quiet -e . --group dev && \
	        touch $$venv/.installed || { status=1; continue; }; \
	    fi; \
	    $$venv/bin/python -m pytest -q -p no:cacheprovider || status=1; \
	done; exit $$status

demo: install
	$(BIN)/python examples/demo.py

bench: install
	$(BIN)/python -m pip install --quiet -e . --group dev --group bench
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .venv-3.* .mypy_cache .pytest_cache .ruff_cache .hypothesis
