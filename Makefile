# Fanxiang: `make test` and `make run` set up everything they need on a fresh Debian 12 machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
UV_VERSION := 0.13.8
UV := .dev/uv/bin/uv
PYPROJECTS := pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml deploy/local/pyproject.toml)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help setup system-deps test test-unit run stop status lint format bench clean

help:
	@echo "make run    set up, start Kafka, PostgreSQL and the five services (make stop ends them)"
	@echo "make test   set up, then run the whole test suite against real Kafka and PostgreSQL"
	@echo "make lint   ruff and mypy;  make bench  the benchmarks;  make status  what is up"

## Setup ---------------------------------------------------------------------------------------
system-deps:
	@deploy/local/install-system-deps.sh

$(UV):
	python3 -m pip install --quiet --disable-pip-version-check --target .dev/uv uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock $(PYPROJECTS) | $(UV)
	$(UV) sync --frozen --all-packages --python python3.11
	@touch $@

.dev/kafka/lib/.complete: deploy/local/pom.xml | $(VENV)/.synced
	$(VENV)/bin/python -c "from fanxiang_local.kafka import fetch_jars; fetch_jars()"

setup: system-deps $(VENV)/.synced .dev/kafka/lib/.complete

## The two commands ----------------------------------------------------------------------------
test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

run: setup
	$(VENV)/bin/fanxiang stack up && $(VENV)/bin/fanxiang stack demo

stop:
	@if [ -x $(VENV)/bin/fanxiang ]; then $(VENV)/bin/fanxiang stack down; fi

status: $(VENV)/.synced
	$(VENV)/bin/fanxiang stack status

## Development ---------------------------------------------------------------------------------
test-unit: $(VENV)/.synced
	$(VENV)/bin/python -m pytest -m "not integration and not e2e" $(PYTEST_ARGS)

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy -p fanxiang_common -p fanxiang_local -p fanxiang_cli -p placement_service \
	    -p matching_service -p survey_service -p notify_service -p fanxiang_web

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup
	$(VENV)/bin/python bench/run_all.py

clean: stop
	rm -rf $(VENV) .dev
