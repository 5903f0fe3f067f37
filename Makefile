# Two commands for a newcomer; each sets up what it needs in .venv first.
#   make run    generate the template and serve the whole pipeline locally, with the site
#   make test   run the full test suite as CI does (tox: lint, test, security)
# Needs Python 3.11 or newer (with venv); `make test` also needs Debian's chromium.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The runner's defaults come first and RUN_ARGS after (a later flag wins), so ports and other
# flags add to them: make run RUN_ARGS="--web-port 9000 --verbose".
RUN_DEFAULTS := --interval-scale 0.1
RUN_ARGS ?=

.PHONY: run test

run: $(VENV)/.installed
	$(BIN)/python generate.py
	$(BIN)/python -m clickstream.local $(RUN_DEFAULTS) $(RUN_ARGS)

test: $(VENV)/.installed
	$(BIN)/python -m tox

$(VENV)/.installed: requirements.txt requirements-test.txt requirements-report.txt lambda/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed (PYTHON=python3.12 make ...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt tox==4.67.13
	touch $@
