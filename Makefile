# The two commands of the README: `make demo` and `make test`. Both create .venv from scratch when it
# is missing. bpy 5.0.1 (Blender as a Python module) is built for CPython 3.11 only.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.llmreel-installed
BPY   := bpy==5.0.1
# First interpreter on PATH that is CPython 3.11 (override: make PYTHON=/path/to/python3.11).
PYTHON ?= $(shell for p in python3.11 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
	&& { command -v $$p; break; }; done)

.PHONY: demo test bench addon test-compat venv clean

venv: $(STAMP)

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "llmreel needs Python 3.11 (bpy 5.0.1 is built only for it); none found on PATH." >&2; \
	  echo "Install Python 3.11, or run: make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)" >&2; exit 2; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[blender,distributed,dev]' '$(BPY)'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/llmreel sort CBABBC
	$(BIN)/llmreel trace CBABBC --out out/trace_CBABBC.npz

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info out
