# The two commands of the README: `make run` (the app on demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM ?= /usr/bin/chromium
STREAMLIT_PORT ?= 8501

.PHONY: run test bench lint typecheck chromium postgresql clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Without an API key: a fresh clone's demo database is seeded in a process of its own
# while Streamlit boots, and the demo server is started before Streamlit takes its first
# page (services/launch.py); the page says "Preparing demo data…" until it is ready.
run: $(VENV)/.runtime
	$(PY) -m services.launch --server.port $(STREAMLIT_PORT) --server.address localhost

# Debian's Chromium for the browser tests; only installed when missing and we are root.
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "Chromium not found at $(CHROMIUM). Install Debian's 'chromium' package, or point"; \
		echo "the browser tests at another build: CEKURA_TEST_CHROMIUM=/path/to/chromium make test"; \
	fi

# Debian's PostgreSQL server binaries for the store tests, which start a throwaway server
# of their own (tests/pg_harness.py); only installed when missing and we are root. The
# package's own cluster is not needed: it is not started here.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	else \
		echo "PostgreSQL not found under /usr/lib/postgresql/*/bin. Install Debian's"; \
		echo "'postgresql' package (as root: make postgresql) to run the store tests."; \
	fi

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy

test: $(VENV)/.dev chromium postgresql lint typecheck
	$(PY) -m pytest

bench: $(VENV)/.dev chromium
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
