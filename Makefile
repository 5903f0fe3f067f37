# Two commands for a newcomer; each sets up what it needs in .venv first.
#   make run      generate the template and serve the whole pipeline locally, with the site
#   make test     run the full test suite as CI does (tox: lint, test, security)
# Two for whoever changes a dependency (each lock update is a commit of its own):
#   make lock     recompile the locks (requirements*.txt) after editing an input file (*.in)
#   make upgrade  move every lock to the newest versions its input file allows
# Needs Python 3.11 or newer (with venv); `make test` also needs Debian's chromium.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Only what a lock names, byte for byte: pip refuses any package without a pinned hash.
INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes
# The runner's defaults come first and RUN_ARGS after (a later flag wins), so ports and other
# flags add to them: make run RUN_ARGS="--web-port 9000 --verbose".
RUN_DEFAULTS := --interval-scale 0.1
RUN_ARGS ?=

.PHONY: run test lock upgrade

run: $(VENV)/.installed
	$(BIN)/python generate.py
	$(BIN)/python generate.py local $(RUN_DEFAULTS) $(RUN_ARGS)

test: $(VENV)/.installed
	$(BIN)/python -m tox

lock: $(VENV)/.installed
	$(BIN)/python tools/locks.py compile

upgrade: $(VENV)/.installed
	$(BIN)/python tools/locks.py compile --upgrade

# A new lock gets a new .venv (--clear), so nothing the lock dropped stays installed.
$(VENV)/.installed: requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed (PYTHON=python3.12 make ...)")'
	$(PYTHON) -m venv --clear $(VENV)
	$(INSTALL) -r requirements-dev.txt
	$(BIN)/python -m pip check
	$(BIN)/python tools/locks.py installed requirements-dev.txt
	touch $@
