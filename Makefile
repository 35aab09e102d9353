# Twin's two commands: `make run` (the whole twin, demo data included) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test bench lint format clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Twin needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/python -m twin_web.launcher run

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m twin_web.launcher test $(ARGS)

# Every benchmark beside its peer measured in the same run; DATABASE_URL or SQLite.
# ARGS="--check" fails a ratio outside its gate; ARGS="--check --short" is CI's quick form.
bench: $(DEV_STAMP)
	$(BIN)/python -m twin_web.launcher test -o python_files='bench_*.py' -p no:cacheprovider -s -q tests/bench $(ARGS)

clean:
	rm -rf $(VENV) var
