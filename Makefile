# The commands anyone needs: `make demo` and `make test`. `make check` before a commit.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test check bench serve clean lock lock-upgrade

install: $(STAMP)

# Every Python package comes from requirements.lock, pinned with hashes; pyproject.toml holds
# the ranges. Our own package is installed without build isolation so that its build tools come
# from the lock too.
$(STAMP): pyproject.toml requirements.lock scripts/system-packages.sh
	bash scripts/system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $(STAMP)

# After editing a range in pyproject.toml: re-resolve, keeping every other pin where it is.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
	  --python-version 3.11 --quiet -o requirements.lock

# Take the newest versions the ranges allow; then run `make check` and `make test`.
lock-upgrade: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
	  --python-version 3.11 --quiet --upgrade -o requirements.lock

demo: install
	$(BIN)/python scripts/demo.py --home demo-data

# Two pytest workers share the suite file by file (each file's servers and fixtures stay in one
# worker); the fault tests restart the shared PostgreSQL server, so they run alone afterwards.
TEST_WORKERS ?= 2
test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not restarts_postgres"
	$(BIN)/pytest -m restarts_postgres

check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo-data cme-data .pytest_cache .mypy_cache .ruff_cache

# One machine: a local Prefect server on 127.0.0.1:$(PREFECT_PORT) (if none answers there) and
# every deployment of deployments/prefect.yaml served from here. The UI calls the same port.
PREFECT_PORT ?= 4200
PREFECT_SERVE_URL = http://127.0.0.1:$(PREFECT_PORT)
serve: install
	@if ! curl -fs $(PREFECT_SERVE_URL)/api/health >/dev/null 2>&1; then \
	  echo "Starting a Prefect server on $(PREFECT_SERVE_URL) (log: prefect-server.log)"; \
	  PREFECT_SERVER_UI_API_URL=$(PREFECT_SERVE_URL)/api PREFECT_SERVER_ANALYTICS_ENABLED=false \
	    nohup $(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT) >prefect-server.log 2>&1 & \
	  for i in $$(seq 1 90); do curl -fs $(PREFECT_SERVE_URL)/api/health >/dev/null 2>&1 && break; sleep 1; done; \
	fi
	@echo "Prefect UI: $(PREFECT_SERVE_URL)  (decisions: Runs, state Suspended, tag decision)"
	@echo "Case workspace: http://$${CME_WEB_HOST:-127.0.0.1}:$${CME_WEB_PORT:-8400} (log: cme-web.log; users: cme users add)"
	PREFECT_API_URL=$(PREFECT_SERVE_URL)/api nohup $(BIN)/cme web >cme-web.log 2>&1 &
	PREFECT_API_URL=$(PREFECT_SERVE_URL)/api $(BIN)/python deployments/serve.py

# docs/production.md followed from scratch: server with auth on PostgreSQL, deploy, two workers.
.PHONY: production-test
production-test: install
	$(BIN)/pytest tests/e2e/test_production_profile.py
