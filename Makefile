PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= build/demo

.PHONY: venv demo test bench clean system-packages student

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

# Debian packages the tests need (headless Chromium checks the HTML reports; setpriv, of util-linux,
# runs the grader as a Docker container would, tests/container.py); CI runs as root
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-packages:
	@command -v chromium >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v setpriv >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq util-linux >/dev/null; }

test: venv system-packages
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python bench/grade_speed.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/budget.py
	$(BIN)/python bench/sandbox_cost.py

clean:
	rm -rf $(VENV) build
