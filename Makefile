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

# The demo database the app opens (services/demo_server.py reads the same variable).
CEKURA_DEMO_DB ?= data/demo.sqlite3

# A fresh clone has no demo database: seed it in a process of its own, on the other core,
# while Streamlit boots; the app's demo server waits for it (a file lock) and the first
# page shows "Preparing demo data…" until then. services.launch starts that server before
# Streamlit takes its first page, so no page run prepares data.
run: $(VENV)/.runtime
	test -e "$(CEKURA_DEMO_DB)" || \
		$(PY) -m demo_api --prepare-only --db "$(CEKURA_DEMO_DB)" \
		$(if $(CEKURA_DEMO_CALLS),--calls $(CEKURA_DEMO_CALLS)) &
	CEKURA_DEMO_DB="$(CEKURA_DEMO_DB)" $(PY) -m services.launch \
		--server.port $(STREAMLIT_PORT) --server.address localhost

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
