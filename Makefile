# The two commands of the README:
#   make demo   set up, then run the demo on its built-in defaults
#   make test   set up, then run every check CI runs
# Both work on a fresh Debian machine with only python3 (and root for apt-get).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A fresh Hypothesis seed per run, printed so that a failure can be replayed.
# Expanded once (":="), so the seed echoed is the seed passed.
ifeq ($(origin SEED), undefined)
SEED := $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
endif

.PHONY: test demo bench lint typecheck imports pytest coverage servers tap clean

$(STAMP): pyproject.toml
	@if ! $(PYTHON) -m venv $(VENV) >/dev/null 2>&1; then \
		echo "python3 cannot make a virtual environment; installing python3-venv"; \
		rm -rf $(VENV); \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null; \
		$(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

# The root conftest.py (Hypothesis profiles only) stays out of mypy's files:
# it would share the module name "conftest" with tests/conftest.py.
typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# The real servers the integration tests start (tests/servers.py), and the
# headless browser the status-page tests drive, from Debian's packages;
# installed only when a binary is missing.
SERVER_BINARIES := prometheus promtool prometheus-pushgateway prometheus-alertmanager chromium
SERVER_PACKAGES := prometheus prometheus-pushgateway prometheus-alertmanager chromium

servers:
	@missing=""; \
	for binary in $(SERVER_BINARIES); do command -v "$$binary" >/dev/null || missing="$$missing $$binary"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "The integration tests need$$missing. Run make servers as root, or:" >&2; \
			echo "  apt-get update && apt-get install -y --no-install-recommends $(SERVER_PACKAGES)" >&2; \
			exit 1; \
		fi; \
		echo "installing $(SERVER_PACKAGES) (missing:$$missing)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $(SERVER_PACKAGES) >/dev/null; \
		for binary in $(SERVER_BINARIES); do \
			command -v "$$binary" >/dev/null || { echo "$$binary still missing after apt-get install" >&2; exit 1; }; \
		done; \
	fi

# A real Singer tap built on the Meltano SDK, for the `run --singer` tests. It
# lives in its own environment, as taps do under Meltano, so that its
# dependencies never meet the library's.
TAP_VENV := $(VENV)/tap
TAP_STAMP := $(TAP_VENV)/.installed
TAP_PACKAGE := tap-rest-api-msdk==1.4.2

$(TAP_STAMP): Makefile
	rm -rf $(TAP_VENV)
	$(PYTHON) -m venv $(TAP_VENV)
	$(TAP_VENV)/bin/python -m pip install -q '$(TAP_PACKAGE)'
	touch $@

tap: $(TAP_STAMP)

pytest: $(STAMP) servers $(TAP_STAMP)
	@echo "Hypothesis seed $(SEED); replay a failure with: make test SEED=$(SEED)"
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q -n auto --hypothesis-seed=$(SEED) \
		--cov --cov-report=term
	$(BIN)/coverage report --include='flext_observability/core/*' --fail-under=100 >/dev/null \
		|| { $(BIN)/coverage report --include='flext_observability/core/*'; \
		     echo "the functional core must stay at 100% branch coverage"; exit 1; }
	@echo "core branch coverage: 100%"

test: lint typecheck imports pytest

# Branch coverage of the whole package, not only the core (slower; not part of make test).
coverage: $(STAMP) servers $(TAP_STAMP)
	HYPOTHESIS_PROFILE=dev $(BIN)/pytest -q -n auto --cov=flext_observability --cov-report=term

demo: $(STAMP)
	$(BIN)/python -m flext_observability demo

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .coverage .hypothesis .mypy_cache .ruff_cache build *.egg-info
