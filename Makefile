# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := clinic

.PHONY: run test lint install db clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Apply migrations to the SQLite database in instance/ and load the demo data once.
db: install
	CLINIC_ENV=development $(BIN)/flask db upgrade
	CLINIC_ENV=development $(BIN)/flask seed-demo

## Serve the app with demo data on http://127.0.0.1:5000
run: db
	CLINIC_ENV=development $(BIN)/flask run --host 127.0.0.1 --port 5000

## The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: install
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		$(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

lint: install
	$(BIN)/ruff check clinic tests
	$(BIN)/ruff format --check clinic tests

clean-db:
	rm -f instance/clinic.db instance/clinic.db-wal instance/clinic.db-shm
