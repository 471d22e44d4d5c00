# Tasks for developers and CI. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV ?= .venv
VENV_DJ6 ?= .venv-django6
BIN := $(VENV)/bin
# pyenv's shim answers only when 3.12 is selected, so try its interpreters directly first.
PY312 := $(shell for p in $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12 2>/dev/null) python3.12; do $$p -c pass 2>/dev/null && { echo $$p; break; }; done)
DEMO_ENV := DJANGO_SETTINGS_MODULE=tests.demo_settings
PYTEST_DBS ?= sqlite postgres mariadb

.PHONY: help venv demo test lint typecheck test-sqlite test-dbs coverage test-django6 services system-deps bench clean

help:
	@echo "make demo   set up and run the demo on http://127.0.0.1:8000/ (admin/admin)"
	@echo "make test   set up and run the whole test suite (SQLite, PostgreSQL, MariaDB; Django 5.2 and 6.x)"
	@echo "make bench  run the benchmark against plain Django"

$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,postgres,mysql]"
	touch $@

venv: $(BIN)/.installed

demo: venv
	$(DEMO_ENV) $(BIN)/python -m django migrate --noinput
	$(DEMO_ENV) $(BIN)/python -m django seed_demo
	$(DEMO_ENV) $(BIN)/python -m django runserver 127.0.0.1:8000

system-deps:
	bash .ci/system-deps

services:
	bash .ci/services

lint: venv
	$(BIN)/ruff check tsunami tests
	$(BIN)/ruff format --check tsunami tests

typecheck: venv
	$(BIN)/mypy tsunami

# Coverage adds up the three backends' runs: code for one database is tested on that one.
test-sqlite: venv services
	TSUNAMI_TEST_DB=sqlite $(BIN)/python -m pytest --cov --cov-report= tests

test-dbs: venv services
	TSUNAMI_TEST_DB=postgres $(BIN)/python -m pytest --cov --cov-append --cov-report= -m "not packaging and not valgrind" tests
	TSUNAMI_TEST_DB=mariadb $(BIN)/python -m pytest --cov --cov-append --cov-report= -m "not packaging and not valgrind" tests

coverage: test-sqlite test-dbs
	$(BIN)/python -m coverage report --fail-under=95

$(VENV_DJ6)/.installed: pyproject.toml
	@test -n "$(PY312)" || { echo "Python 3.12 is needed for Django 6"; exit 1; }
	test -x $(VENV_DJ6)/bin/python || $(PY312) -m venv $(VENV_DJ6)
	$(VENV_DJ6)/bin/python -m pip install -q --upgrade pip
	$(VENV_DJ6)/bin/python -m pip install -q -e ".[dev,postgres,mysql]" "Django>=6,<7"
	touch $@

test-django6: $(VENV_DJ6)/.installed services
	for db in $(PYTEST_DBS); do \
		TSUNAMI_TEST_DB=$$db $(VENV_DJ6)/bin/python -m pytest -q -m "not packaging and not valgrind" tests || exit 1; \
	done

test: system-deps venv lint typecheck test-sqlite test-dbs coverage test-django6

bench: venv services
	$(BIN)/python -m pip install -q -e ".[bench]"
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) $(VENV_DJ6) build dist demo.sqlite3 .coverage
