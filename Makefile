# Help On Demand: `make run` (the whole system with demo data) and `make test` (the whole suite).
# Both install what they need into .venv first; nothing else on the machine changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint bench sim messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Help On Demand needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Help On Demand needs Node.js and npm (for USWDS and axe-core)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel error
	touch $@

run: $(VENV)/.run-deps node_modules/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	HOD_PORT=$(PORT) $(BIN)/python manage.py seed_demo
	@echo
	@echo "Help On Demand is starting at http://localhost:$(PORT)/  (health: http://localhost:$(PORT)/healthz)"
	@echo "E-mails are written to var/mail/, texts and app notifications to var/messages/."
	@echo "Web, worker and beat run below; Ctrl-C stops all of them."
	@echo
	HOD_PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile.dev start

test: $(VENV)/.test-deps node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.test-deps
	@set -e; found=0; for script in bench/*.py; do [ -e "$$script" ] || continue; found=1; \
		echo "== $$script"; $(BIN)/python "$$script"; done; \
		[ $$found = 1 ] || echo "no benchmarks yet (see bench/README.md)"

# The deadline-day simulation on the local PostgreSQL (sim/README.md): SIM_SCALE=0.01 for a quick one.
sim: $(VENV)/.test-deps
	$(BIN)/python -m sim

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r agents hod matching notifications referrals --severity-level medium

# After changing translatable text: update the Spanish catalog, translate what is new, then run this again.
messages: $(VENV)/.test-deps
	$(BIN)/python manage.py makemessages -l es --no-location --ignore=.venv --ignore=node_modules \
		--ignore=staticfiles --ignore=var --ignore=tests
	$(BIN)/python manage.py compilemessages -l es --ignore=.venv --ignore=node_modules

clean:
	rm -rf var staticfiles .pytest_cache .ruff_cache
