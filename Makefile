# Postino: `make run` starts the app on the local emulators, `make test` runs every check.
# Both install what they need first (a virtualenv in .venv, the npm emulators).

# Python 3.13, found by scripts/find-python.sh (pyenv's, else python3.13 on the PATH), which
# says what to install when there is none; `make test PYTHON=/path/to/python3.13` overrides.
PYTHON ?= $(shell bash scripts/find-python.sh 3.13 2>/dev/null)
NEED_PYTHON = @test -n "$(PYTHON)" || bash scripts/find-python.sh 3.13 >/dev/null
VENV := .venv
PY := $(VENV)/bin/python
CODE := shared infra tests bench clients/postino-send tools/offline-host CitizenInbox CitizenMessage CitizenProfile CreateMessage GetMessageStatus GetMessageStatusById GetProfile GetProfileByPost ListMessages DispatchEvent PaymentEvents ProcessMessage ReminderPartition ReminderTimer SweepAcceptedMessages

.PHONY: install run test lint typecheck pytest checkov bench chaos clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(NEED_PYTHON)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13) and "Python 3.13 is required")'
	@# A virtualenv of another Python (an older checkout's) is made again, not patched.
	@test ! -x $(PY) || $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' || rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# The bulk sender (clients/postino-send), installed in the same virtualenv for its tests.
# --no-deps: its pins are the app's (a test checks they agree), never a reason to change them.
POSTINO_SEND := clients/postino-send
$(VENV)/.postino-send-installed: $(VENV)/.installed $(POSTINO_SEND)/pyproject.toml $(wildcard shared/domain/*.py)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e $(POSTINO_SEND)
	@touch $@

# The offline Functions host (tools/offline-host), its own package, installed the same way.
OFFLINE_HOST := tools/offline-host
$(VENV)/.offline-host-installed: $(VENV)/.installed $(OFFLINE_HOST)/pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e $(OFFLINE_HOST)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The worker protocol's Python classes (the offline host's worker/_generated), generated, not
# committed; again after a reinstall too, as they are tied to the protobuf runtime installed.
WORKER_PROTOCOL := tools/offline-host/src/offline_host/worker/_generated/function_rpc_pb2.py
$(WORKER_PROTOCOL): $(OFFLINE_HOST)/src/offline_host/worker/function_rpc.proto $(VENV)/.offline-host-installed
	$(PY) -m offline_host.worker.generate --force

install: $(VENV)/.installed $(VENV)/.postino-send-installed $(VENV)/.offline-host-installed node_modules/.installed $(WORKER_PROTOCOL)

# checkov has its own virtualenv: its many dependencies never meet the app's pinned ones.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(NEED_PYTHON)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13) and "Python 3.13 is required")'
	@test ! -x $(CHECKOV_VENV)/bin/python || $(CHECKOV_VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' || rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

# openapi-python-client too (it pins its own pydantic and ruff): tests/clients generate a
# client from each OpenAPI document with it, and fail on any operation it leaves out.
OPENAPI_CLIENT_VENV := .venv-openapi-client
OPENAPI_GENERATOR := $(CURDIR)/$(OPENAPI_CLIENT_VENV)/bin/openapi-python-client
$(OPENAPI_CLIENT_VENV)/.installed: requirements-openapi-client.txt
	$(NEED_PYTHON)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13) and "Python 3.13 is required")'
	@test ! -x $(OPENAPI_CLIENT_VENV)/bin/python || $(OPENAPI_CLIENT_VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' || rm -rf $(OPENAPI_CLIENT_VENV)
	$(PYTHON) -m venv $(OPENAPI_CLIENT_VENV)
	$(OPENAPI_CLIENT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-openapi-client.txt
	@touch $@

run: install
	$(PY) -m infra.local.run

lint: install
	$(PY) -m ruff check $(CODE)
	$(PY) -m ruff format --check $(CODE)

typecheck: install
	$(PY) -m mypy

# POSTINO_OPENAPI_GENERATOR set: tests/clients fail, never skip, without the generator.
pytest: install $(OPENAPI_CLIENT_VENV)/.installed
	POSTINO_OPENAPI_GENERATOR=$(OPENAPI_GENERATOR) $(PY) -m pytest
	$(PY) -m pytest $(POSTINO_SEND)/tests
	$(PY) -m pytest $(OFFLINE_HOST)/offline_host_tests
	bash $(POSTINO_SEND)/scripts/test-pythons.sh

# The bulk sender's unit tests on each Python 3.10-3.13 present (pyenv, else python3.X), each
# in .venv-postino-send-3.X with only its declared dependencies; a missing Python is skipped.
.PHONY: postino-send-pythons
postino-send-pythons:
	bash $(POSTINO_SEND)/scripts/test-pythons.sh

# Scans infra/azure (Bicep): fails on a failed check, a parsing error, a skip without a reason.
checkov: $(CHECKOV_VENV)/.installed install
	$(PY) infra/azure/scan.py --checkov $(CHECKOV_VENV)/bin/checkov

test: lint typecheck checkov pytest

# Every benchmark on the local stack, one after another (about 21 minutes): one report,
# bench/results/<date>.json and its chart <date>.png; `$(PY) -m bench.report --quick`: tiny sizes.
# Then the figures README.md and docs/scaling.md quote are rewritten from the latest full
# report, even when a bar was missed (the report's exit code is kept).
bench: install
	$(PY) -m bench.report; status=$$?; $(PY) -m bench.docs_figures && exit $$status

# The long fault run (about 10 minutes): 5,000 messages from 16 careful clients while the
# connections to the emulators are reset, stalled and cut, the queue and Cosmos DB are down
# 2 minutes each, and the host is killed with SIGKILL 3 times; then an audit of every
# message. Prints a summary table; exits 1 on any loss, duplicate or stuck message.
# CHAOS_ARGS passes options, e.g. `make chaos CHAOS_ARGS="--messages 500 --kills 1"`.
chaos: install
	$(PY) -m infra.local.faults.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(OPENAPI_CLIENT_VENV) .venv-postino-send-3.* node_modules .local .pytest_cache .mypy_cache .ruff_cache
