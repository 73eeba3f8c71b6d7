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

# Debian packages the tests need, each only when it is missing: headless Chromium checks the
# HTML pages, and a CJK font draws their Chinese (without one, every character is a box).
# CI runs as root; elsewhere through sudo.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	command -v fc-list >/dev/null 2>&1 && [ -n "$$(fc-list :lang=zh family)" ] || missing="$$missing fontconfig fonts-wqy-zenhei"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  echo "installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: venv system-packages
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python bench/grade_speed.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/budget.py
	$(BIN)/python bench/sandbox_cost.py

clean:
	rm -rf $(VENV) build
