# Two commands do everything on a fresh clone:
#   make serve   set up .venv if needed, then start `mockango serve` (http://127.0.0.1:8080)
#   make test    set up .venv (and Chromium for the dashboard tests) if needed, then run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n auto

.PHONY: serve test bench setup browser clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

setup: $(BIN)/.installed

serve: $(BIN)/.installed
	$(BIN)/mockango serve $(SERVE_ARGS)

browser:
	bash .ci/install-browser

test: $(BIN)/.installed browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(BIN)/.installed
	$(BIN)/python bench/roundtrip.py
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/fixture_overhead.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .cache
