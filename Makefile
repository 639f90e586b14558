# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := clinic

.PHONY: run test lint install db clean-db system-deps browser-deps bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) system-deps

## WeasyPrint needs Pango from the system (HarfBuzz's subsetter is optional) and DejaVu
## Sans for the tick boxes of printed worksheets.
system-deps:
	@if ! ldconfig -p | grep -q 'libpango-1.0.so.0' || ! ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Pango and HarfBuzz for WeasyPrint (apt-get)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; \
		else \
			echo "WeasyPrint needs Pango: run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0'" >&2; \
			exit 1; \
		fi; \
	fi
	@if ! fc-list 2>/dev/null | grep -q 'DejaVuSans.ttf'; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core fontconfig >/dev/null; \
		else \
			echo "Printed worksheets need DejaVu Sans: run 'sudo apt-get install fonts-dejavu-core'" >&2; \
			exit 1; \
		fi; \
	fi

## The browser tests (tests/e2e) drive Debian's chromium at /usr/bin/chromium.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing chromium for the browser tests (apt-get)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "The browser tests need chromium at /usr/bin/chromium: run 'sudo apt-get install chromium'" >&2; \
			exit 1; \
		fi; \
	fi

## Apply migrations to the SQLite database in instance/ and load the demo data once.
db: install
	CLINIC_ENV=development $(BIN)/flask db upgrade
	CLINIC_ENV=development $(BIN)/flask seed-demo

## Serve the app with demo data on http://127.0.0.1:5000
run: db
	CLINIC_ENV=development $(BIN)/flask run --host 127.0.0.1 --port 5000

## The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: install browser-deps
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		$(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

## Speed figures beside their baselines, from one run (see README).
bench: install
	$(BIN)/python benchmarks/bench_pdf.py
	$(BIN)/python benchmarks/bench_summary.py

lint: install
	$(BIN)/ruff check clinic tests benchmarks
	$(BIN)/ruff format --check clinic tests benchmarks

clean-db:
	rm -f instance/clinic.db instance/clinic.db-wal instance/clinic.db-shm
