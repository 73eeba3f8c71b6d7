PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= build/demo

.PHONY: venv demo test bench clean

venv: $(BIN)/autograder

$(BIN)/autograder: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: venv
	$(BIN)/python -m autograder.demo $(DEMO_DIR)

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python bench/grade_speed.py

clean:
	rm -rf $(VENV) build
