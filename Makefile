# Two commands do everything on a fresh clone:
#   make serve   set up .venv if needed, then start `mockango serve` (http://127.0.0.1:8080)
#   make test    set up .venv (and Chromium for the dashboard tests) if needed, then run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n auto
DIST ?= dist
BUILD_TOOLS := 'build>=1.2' 'twine>=5'

.PHONY: serve test bench setup browser clean dist screenshots

# .installed-runtime: the package and its runtime dependencies (all `serve` needs);
# .installed: the test and bench extras on top (what `test` and `bench` need).
$(BIN)/.installed-runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# Up to 0.1.0 this checkout was installed as `mockango`, the name of an unrelated PyPI package
	@# that would shadow the import name: drop either from this venv.
	$(BIN)/python -m pip uninstall --quiet --yes mockango 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# .installed-build: only what `dist` needs (build and twine): not the package, not the test set.
$(BIN)/.installed-build:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(BUILD_TOOLS)
	touch $@

$(BIN)/.installed: $(BIN)/.installed-runtime
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

setup: $(BIN)/.installed

serve: $(BIN)/.installed-runtime
	$(BIN)/mockango serve $(SERVE_ARGS)

browser:
	bash .ci/install-browser

test: $(BIN)/.installed browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every dashboard page at 1280 px into docs/screenshots/, by the browser tests' headless Chromium.
screenshots: $(BIN)/.installed browser
	$(BIN)/python -m tests.dashboard.screenshots docs/screenshots

bench: $(BIN)/.installed
	$(BIN)/python bench/roundtrip.py
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/fixture_overhead.py
	$(BIN)/python bench/load.py

# The sdist, then the wheel built from it (so a file missing from the sdist fails here), both twine-checked.
dist: $(BIN)/.installed-build
	rm -rf $(DIST)
	$(BIN)/python -m build --outdir $(DIST) .
	$(BIN)/python -m twine check --strict $(DIST)/*

clean:
	rm -rf $(VENV) .cache dist build
