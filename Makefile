# The two commands the README promises: `make demo` and `make test`. Both set everything up
# on a fresh machine (the virtualenv and the project), so CI needs nothing installed by hand.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
# This machine's pip config lists local index folders that may not exist; pip then warns once
# per package. Drop only that line (pipefail keeps pip's exit status).
QUIET  := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
# Re-install when the project's metadata or the JupyterLab extension's source changes.
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The sidebar (labextension/) is built by hatch-jupyter-builder inside `pip install` (jlpm install,
# jlpm build:prod; Node.js >= 20.19 needed) and installed as shared-data, exactly as the wheel ships it.
LABEXT_SRC := pyproject.toml jupyter_mlops/server/openapi.json \
	$(wildcard labextension/package.json labextension/yarn.lock labextension/.yarnrc.yml \
	labextension/tsconfig.json labextension/install.json labextension/src/*.ts* labextension/src/*/*.ts* \
	labextension/style/*)
# Never reuse an old build: remove the previous output before every install.
CLEAN_LABEXT := rm -rf jupyter_mlops/labextension labextension/lib labextension/tsconfig.tsbuildinfo
NEED_NODE := @command -v node >/dev/null || { echo "Node.js >= 20.19 is needed to build the JupyterLab extension (labextension/)"; exit 1; }

# Browser tests drive Debian's chromium package; install it when missing (CI starts without it).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo lab test bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip $(QUIET)

$(STAMP): $(LABEXT_SRC) | $(BIN)/python
	$(NEED_NODE)
	$(CLEAN_LABEXT)
	@echo "Installing jupyter-mlops and its dependencies into $(VENV), building the JupyterLab sidebar (a few minutes the first time)..."
	$(PIP) install -e ".[demo]" $(QUIET)
	touch $@

$(TEST_STAMP): $(LABEXT_SRC) | $(BIN)/python
	$(NEED_NODE)
	$(CLEAN_LABEXT)
	@echo "Installing jupyter-mlops with its test dependencies into $(VENV), building the JupyterLab sidebar (a few minutes the first time)..."
	$(PIP) install -e ".[demo,test]" $(QUIET)
	touch $@

install: $(STAMP)

# The demo runs the whole loop on a store of its own, started afresh each time; `make lab` opens
# JupyterLab (with the MLOps sidebar) on that store.
DEMO_HOME := $(CURDIR)/.mlops-demo
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

demo: $(STAMP)
	rm -rf $(DEMO_HOME)
	MLOPS_HOME=$(DEMO_HOME) $(BIN)/python -m jupyter_mlops.demo

lab: $(STAMP)
	MLOPS_HOME=$(DEMO_HOME) $(BIN)/jupyter lab --LabApp.news_url=None $(ROOT_FLAG)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

test: $(TEST_STAMP) | $(CHROMIUM)
	$(BIN)/python -m pytest

bench: $(TEST_STAMP)
	$(PIP) install -e ".[bench]" $(QUIET)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .mlops build dist *.egg-info
	$(CLEAN_LABEXT) labextension/node_modules
