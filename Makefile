# course_app: two commands for a newcomer — `make run` and `make test`.
# Needs only Python 3.11+ and make; everything else is installed into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
TRANSLATIONS := course_app/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test test-fast check-lean-install system-packages install install-dev translations extract-messages update-translations bench loadtest mutants screenshots clean

# `make install` is the runtime only (what `make run` and a server need); `make install-dev` adds the
# test tools (pytest, Playwright, mypy, ruff …) and PostgreSQL's driver, which the tests use.
$(BIN)/course-app: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/pytest: $(BIN)/course-app
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/course-app translations

install-dev: install $(BIN)/pytest

# Compiled message catalogues (.mo) are built from the .po files, never committed.
translations: $(MO_FILES)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(BIN)/course-app
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) -l $* >/dev/null

run: install
	HOST=$(HOST) PORT=$(PORT) $(BIN)/course-app serve

# Debian's Chromium, ffmpeg, nginx, minisign, Firefox ESR and npm: installed when run as root, otherwise
# the exact command to run is printed and make stops.
system-packages:
	@bash .ci/system-packages

# axe-core for the accessibility tests, from the npm registry (never from a CDN).
AXE := tests/browser/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/axe/package-lock.json
	cd tests/browser/axe && npm ci --no-audit --no-fund --silent
	touch $@

# puppeteer-core drives Debian's firefox-esr for the Firefox test (never a downloaded browser).
PUPPETEER := tests/browser/firefox/node_modules/puppeteer-core/package.json
$(PUPPETEER): tests/browser/firefox/package-lock.json
	cd tests/browser/firefox && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --silent
	touch $@

# The Nu HTML checker for tests/html (vnu.jar, run with Debian's Java runtime), from the npm registry.
VNU := tests/html/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU): tests/html/package-lock.json
	cd tests/html && npm ci --no-audit --no-fund --silent
	touch $@

# The suite runs in one process per core (pytest-xdist), each test file whole in one process.
# Bytecode is kept (in the ignored __pycache__ folders) even where the environment sets
# PYTHONDONTWRITEBYTECODE: otherwise every test process and every command a test runs compiles
# the code and rewrites the test files again.
test: system-packages install-dev $(AXE) $(PUPPETEER) $(VNU)
	$(BIN)/ruff check .
	$(BIN)/mypy
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n auto --dist loadfile

# A quick answer while working: everything but the browser tests and the tests that run other programs end to
# end (marked slow). CI runs `make test`, which runs them all.
test-fast: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n auto --dist loadfile -m "not browser and not slow"

# What `make install` gives an operator on a fresh clone of the last commit (CI runs it too).
check-lean-install:
	bash .ci/lean-install

# Educators and developers: refresh messages.pot and the .po files after changing UI texts.
extract-messages: $(BIN)/course-app
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o $(TRANSLATIONS)/messages.pot .

update-translations: extract-messages
	$(BIN)/pybabel update --no-fuzzy-matching -d $(TRANSLATIONS) -i $(TRANSLATIONS)/messages.pot

clean:
	rm -rf $(VENV) instance mutants $(MO_FILES) tests/browser/axe/node_modules tests/browser/firefox/node_modules \
		tests/html/node_modules

# Benchmarks and the load test are not part of `make test` (see bench/results.md).
bench: install-dev
	$(BIN)/python -m bench.run

loadtest: install-dev
	$(BIN)/python -m bench.loadtest

# The mutation check of the domain logic (docs/mutation-testing.md): long, and not part of CI.
mutants: install-dev
	$(BIN)/python -m pip install --quiet 'mutmut>=3.3,<4'
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

screenshots: install-dev
	$(BIN)/python docs/screenshots/take_screenshots.py
