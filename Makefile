# Sequence models course: `make lab` to learn, `make test` to check every lesson.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: setup lab test unit lint render clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab notebooks/

# Lint, the unit tests, then every notebook executed by nbval.
test: setup
	$(BIN)/ruff check conftest.py course_lib tests tools notebooks
	$(BIN)/python -m pytest

unit: setup
	$(BIN)/python -m pytest tests

lint: setup
	$(BIN)/ruff check conftest.py course_lib tests tools notebooks

# Rebuild notebooks from their py:percent twins and execute them: make render [NB="03 05"]
render: setup
	$(BIN)/python tools/render.py $(NB)

clean:
	rm -rf build .pytest_cache
