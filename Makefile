# Postino: `make run` starts the app on the local emulators, `make test` runs every check.
# Both install what they need first (a virtualenv in .venv, the npm emulators).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CODE := shared infra tests bench CitizenInbox CitizenMessage CitizenProfile CreateMessage GetMessageStatus GetProfile GetProfileByPost PaymentEvents ProcessMessage ReminderTimer SweepAcceptedMessages

.PHONY: install run test lint typecheck pytest bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	$(PY) -m infra.local.run

lint: install
	$(PY) -m ruff check $(CODE)
	$(PY) -m ruff format --check $(CODE)

typecheck: install
	$(PY) -m mypy

pytest: install
	$(PY) -m pytest

test: lint typecheck pytest

bench: install
	$(PY) -m bench.create_message_cpu --json-out bench/results/create_message_cpu-$$(date +%Y-%m-%d).json
	$(PY) -m bench.pipeline --accept-only --repeat 3 --json-out bench/results/pipeline-accept-$$(date +%Y-%m-%d).json
	$(PY) -m bench.pipeline --repeat 3 --json-out bench/results/pipeline-$$(date +%Y-%m-%d).json
	$(PY) -m bench.attachment_memory --json-out bench/results/attachment_memory-$$(date +%Y-%m-%d).json
	$(PY) -m bench.reminders --json-out bench/results/reminders-$$(date +%Y-%m-%d).json

clean:
	rm -rf $(VENV) node_modules .local .pytest_cache .mypy_cache .ruff_cache
