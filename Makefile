# The contract with a new user: `make demo` and `make test`, on a fresh machine with Python 3.13, Node and make.
# `make help` lists the targets; `make clean` starts over.
# Python 3.13: Azure runs the app on it with Microsoft's azure-functions-runtime (pinned in requirements.txt), and
# so does the local host. Found on PATH, else among pyenv's installed versions; PYTHON=/path/to/python3.13 overrides.
PYENV_PYTHON := $(lastword $(sort $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.13*/bin/python3.13)))
PYTHON ?= $(or $(firstword $(foreach candidate,python3.13 $(PYENV_PYTHON),$(shell $(candidate) -c 'import sys' 2>/dev/null && echo $(candidate)))),python3.13)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
VERSION := import sys; print("%d.%d" % sys.version_info[:2])
IS_3_13 := import sys; sys.exit(sys.version_info[:2] != (3, 13))
GET_PYTHON := install Python 3.13 (pyenv install 3.13, or your system's python3.13 package) or run make PYTHON=/path/to/python3.13 $(GOALS)

.PHONY: help setup demo test check lint unit bench chaos clean infra-check browser

help: ## list the targets
	@echo "make [PYTHON=python3.13] TARGET   (needs Python 3.13, Node, make; the CLI afterwards: ./local/cli --help)"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Before anything is installed (every target but help and clean): a Python 3.13 to build the venv with, and a venv
# made by it. A venv that does not run or was made by another Python version is removed here and rebuilt by setup.
define PYTHON_CHECK
want=$$($(PYTHON) -c '$(VERSION)' 2>/dev/null); have=$$($(PY) -c '$(VERSION)' 2>/dev/null);
if [ -z "$$want" ]; then
  echo "error:needs Python 3.13, and $(PYTHON) was not found: $(GET_PYTHON)";
elif ! $(PYTHON) -c '$(IS_3_13)'; then
  echo "error:needs Python 3.13, and $(PYTHON) is $$want: $(GET_PYTHON)";
elif [ -e $(VENV) ] && [ "$$have" != "$$want" ]; then
  rm -rf $(VENV) && echo "info:removed $(VENV), made by Python $${have:-(not runnable)}, to rebuild it with $(PYTHON) ($$want)";
fi
endef
GOALS := $(or $(MAKECMDGOALS),help)
ifneq ($(filter-out help clean,$(GOALS)),)
PYTHON_STATE := $(shell $(PYTHON_CHECK))
$(if $(filter error:%,$(PYTHON_STATE)),$(error $(patsubst error:%,%,$(PYTHON_STATE))))
$(if $(filter info:%,$(PYTHON_STATE)),$(info $(patsubst info:%,%,$(PYTHON_STATE))))
endif

setup: $(STAMP) node_modules/.package-lock.json ## create .venv (requirements-dev.txt) and node_modules (Azurite)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Azurite 3.37 declares Node 22 or later (package engines): package.json pins the npm package `node` 22, which brings
# that Node's binary from the registry into node_modules, and local/azurite.py runs Azurite with it. The Node on PATH
# only runs npm.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@echo "npm's EBADENGINE warnings, if any, name the Node that ran npm; Azurite runs on node_modules' Node $$(node_modules/.bin/node --version)"

demo: setup ## one scripted call through the whole local stack, verified (KEEP=1: keep it up for the review page)
	$(PY) -m local demo $(if $(KEEP),--keep)

test: setup lint infra-check browser ## lint, type checks, infra checks and the whole test suite
	$(PY) -m pytest

# Debian's Chromium for the review page's browser tests (tests/browser), installed with apt-get only when missing.
# Where it cannot be installed the browser tests are skipped with the reason; under CI=true that is an error.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the browser tests"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || { echo "chromium could not be installed: the browser tests will be skipped"; test "$$CI" != true; }; }

lint: setup ## ruff check, ruff format --check, mypy
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Offline infra checks (checkov policies on infra/ and the workflows, workflow schema) in their own virtualenv.
INFRA_VENV := .venv-infra
$(INFRA_VENV)/.installed: requirements-infra.txt
	test -x $(INFRA_VENV)/bin/python || $(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet -r requirements-infra.txt
	touch $@

infra-check: $(INFRA_VENV)/.installed ## checkov and workflow schema checks (own venv, .venv-infra)
	$(INFRA_VENV)/bin/checkov --directory infra --framework bicep --skip-download --compact --quiet
	$(INFRA_VENV)/bin/checkov --directory .github/workflows --framework github_actions --skip-download --compact --quiet
	$(INFRA_VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

unit: setup ## the unit tests only
	$(PY) -m pytest tests/unit

# The developer's loop: everything that needs neither the whole local stack nor a browser (unit tests, and the
# integration tests against a real Azurite). make test runs every scenario besides.
.PHONY: check
check: lint ## lint, types, unit and integration tests (the fast loop; make test runs everything)
	$(PY) -m pytest tests/unit tests/integration tests/chaos/test_audit.py

bench: setup ## the performance benchmarks (about 15 minutes)
	$(PY) -m bench

# The full run: every scenario at full size, duplicates at 1,000 calls, hostile at 10,000 generated inputs.
CHAOS_LOAD ?= duplicates=1000 hostile=10000
chaos: setup ## the reliability scenarios at full size (duplicates 1,000 calls, hostile 10,000 inputs)
	$(PY) -m chaos --load $(CHAOS_LOAD)

clean: ## stop a running local stack, remove both venvs, node_modules and .local (start over)
	@if [ -x $(PY) ] && [ -f .local/stack.json ]; then $(PY) -m local down || true; fi
	rm -rf $(VENV) $(INFRA_VENV) node_modules .local .pytest_cache .mypy_cache .ruff_cache
