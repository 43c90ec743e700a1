# The two commands the README promises: `make demo` and `make test`. Both set everything up
# on a fresh machine (the virtualenv and the project), so CI needs nothing installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
# Re-install when the project's metadata changes.
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[demo]"
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[demo,test]"
	touch $@

install: $(STAMP)

demo: $(STAMP)
	MLOPS_HOME=$(CURDIR)/.mlops $(BIN)/python -m jupyter_mlops.demo

test: $(TEST_STAMP)
	$(BIN)/python -m pytest

bench: $(TEST_STAMP)
	$(PIP) install -e ".[bench]"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .mlops build dist *.egg-info
