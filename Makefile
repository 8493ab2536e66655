# The two commands: `make run` and `make test`. Everything else is a step they share.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
RASA      := $(VENV)/bin/rasa
MODEL_DIR := models
MODEL_HASH = $(shell python3 scripts/model_hash.py)
MODEL      = $(MODEL_DIR)/$(MODEL_HASH).tar.gz
# Lint and types (pyproject.toml): run by make check and make test.
LINT = $(VENV)/bin/ruff check bot actions tests scripts && \
       $(VENV)/bin/mypy bot/policy bot/classify bot/distress bot/identity.py bot/safety bot/nlu \
         bot/dialogue
DEPS_STAMP := $(VENV)/.deps-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)

# Local defaults; override in the environment. Production is the code's default and
# refuses these development values (bot/deployment.py); `make run` and `make test` ask for
# development explicitly.
export BOT_ENV             ?= development
export ACTION_SERVER_SECRET ?= dev-only-action-server-secret-not-for-production
export RASA_API_TOKEN      ?= dev-api-token
export RASA_PORT           ?= 5005
export ACTION_PORT         ?= 5055
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTION_PORT)/webhook
export TRACKER_SQLITE_PATH ?= var/tracker.sqlite
export ENDPOINTS           ?= endpoints.yml
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL   := 2
export PYTHONHASHSEED         := 0

.PHONY: help run run-scaled test setup train eval eval-accept bench check lock clean

help:
	@echo "make run    - set up, train if needed, start the assistant (Rasa $(RASA_PORT), actions $(ACTION_PORT))"
	@echo "make run-scaled - the same behind nginx: 2 Rasa instances, 2 action servers, PostgreSQL, Redis"
	@echo "make test   - set up, train if needed, run the whole suite"
	@echo "make train  - train only when config/domain/data/NLU code changed"
	@echo "make eval   - pipeline vs baseline on the sealed and held-out files, and the distress levels;"
	@echo "              report in reports/, compared with tests/heldout/accepted_eval.json (fails on a drop)"
	@echo "make eval-accept - evaluate and keep the figures as tests/heldout/accepted_eval.json"
	@echo "make check  - content checks for editors (data validation, coverage, wording)"
	@echo "make bench  - latency figures (parse, full REST turn)"

$(PY):
	"$$(scripts/find-python310)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip==24.0"

$(DEPS_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt -r requirements-dev.txt
	rm -f $(VENV)/.deps-* && touch $@

setup: $(DEPS_STAMP)
	@mkdir -p var
	$(PY) -m bot init-db

# The model is named after the hash of its inputs: nothing retrains without need.
train: setup
	@if [ -f "$(MODEL)" ]; then echo "model up to date: $(MODEL)"; else \
	  echo "training $(MODEL) ..." && \
	  time $(RASA) train --fixed-model-name $(MODEL_HASH) --out $(MODEL_DIR) --num-threads 2; fi

run: train
	MODEL=$(MODEL) scripts/run.sh

# Scale-out mode (docs/deployment.md): nginx on RASA_PORT in front of two Rasa instances
# (RASA_PORT+1, +2) and two action servers, on the local PostgreSQL and Redis.
run-scaled: train
	scripts/ensure-nginx
	MODEL=$(MODEL) $(PY) -m bot.scaled_stack

test: train
	$(LINT)
	scripts/ensure-browser
	scripts/ensure-nginx
	MODEL=$(MODEL) $(PY) -m pytest -q -p no:cacheprovider tests
	MODEL=$(MODEL) scripts/test-stories.sh

eval: train
	$(PY) -m bot.nlu.evaluate --model $(MODEL)
	$(PY) -m bot.distress.evaluate
	$(PY) -m bot.nlu.eval_gate --report reports/nlu_eval.json

eval-accept: train
	$(PY) -m bot.nlu.evaluate --model $(MODEL) --accept tests/heldout/accepted_eval.json

check: setup
	$(PY) -m bot.content_check
	$(LINT)
	$(PY) -m pytest -q -p no:cacheprovider -m "not conversation" tests/content tests/unit/test_policy_file.py tests/distress

bench: train
	MODEL=$(MODEL) $(PY) -m bot.bench

lock:
	rm -rf .venv-lock && "$$(scripts/find-python310)" -m venv .venv-lock
	.venv-lock/bin/pip install -q -r requirements.in
	.venv-lock/bin/pip freeze > requirements.txt && rm -rf .venv-lock

clean:
	rm -rf $(MODEL_DIR) results var
