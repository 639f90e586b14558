# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := clinic

.PHONY: run test lint install db clean-db system-deps browser-deps node-deps bench load audit

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

## The accessibility and HTML checks of the browser suite: axe-core (injected into pages)
## and the Nu HTML checker (vnu-jar, run with Java) from the npm registry, as package-lock.json pins.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Node.js and npm for the page checks (apt-get)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
		else \
			echo "The page checks need npm: run 'sudo apt-get install nodejs npm'" >&2; exit 1; \
		fi; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)
	@command -v java >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Java for the Nu HTML checker (apt-get)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
		else \
			echo "The HTML check needs Java: run 'sudo apt-get install default-jre-headless'" >&2; exit 1; \
		fi; }

## Apply migrations to the SQLite database in instance/ and load the demo data once.
db: install
	CLINIC_ENV=development $(BIN)/flask db upgrade
	CLINIC_ENV=development $(BIN)/flask seed-demo

## Serve the app with demo data on http://127.0.0.1:5000
run: db
	CLINIC_ENV=development $(BIN)/flask run --host 127.0.0.1 --port 5000

## The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: install browser-deps node-deps
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		$(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

## Speed figures beside their baselines, from one run (see README).
bench: install
	$(BIN)/python benchmarks/bench.py

## Load without loss: gunicorn on SQLite and PostgreSQL, 50 simulated partners for 60 s.
load: install
	$(BIN)/python benchmarks/load.py

## Known vulnerabilities in the installed packages, as far as PyPI tells (see .ci/audit_deps.py).
audit: install
	$(BIN)/python .ci/audit_deps.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean-db:
	rm -f instance/clinic.db instance/clinic.db-wal instance/clinic.db-shm
