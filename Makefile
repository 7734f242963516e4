# The contract with a new user: `make demo` and `make test`, on a fresh machine with Python 3.11, Node 20 and make.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck unit bench chaos clean infra-check

setup: $(STAMP) node_modules/.package-lock.json

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; run: make PYTHON=python3 ..."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

demo: setup
	$(PY) -m local demo

test: setup lint infra-check
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Offline infra checks (checkov policies on infra/ and the workflows, workflow schema) in their own virtualenv.
INFRA_VENV := .venv-infra
$(INFRA_VENV)/.installed: requirements-infra.txt
	test -x $(INFRA_VENV)/bin/python || $(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet -r requirements-infra.txt
	touch $@

infra-check: $(INFRA_VENV)/.installed
	$(INFRA_VENV)/bin/checkov --directory infra --framework bicep --skip-download --compact --quiet
	$(INFRA_VENV)/bin/checkov --directory .github/workflows --framework github_actions --skip-download --compact --quiet
	$(INFRA_VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

unit: setup
	$(PY) -m pytest tests/unit

bench: setup
	$(PY) -m bench

chaos: setup
	$(PY) -m chaos

clean:
	rm -rf $(VENV) node_modules .local .pytest_cache .mypy_cache .ruff_cache
