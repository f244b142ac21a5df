# Sequence models course: `make lab` to learn, `make test` to check every lesson.
#   make lab PYTHON=python3.12             build .venv with another Python (3.10-3.12)
#   make lab LAB_ARGS="--no-browser --port 8890"   options passed to JupyterLab
PYTHON   ?= python3
VENV     ?= .venv
BIN       = $(VENV)/bin
STAMP     = $(VENV)/.installed
LAB_ARGS ?=
# pytest-xdist workers for `make test`: one per core, at most 4 (each notebook kernel
# then gets its share of the cores, see conftest.py). JOBS=0 runs everything in one process.
JOBS     ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
# JupyterLab refuses to start as root (Docker, many cloud VMs) unless told it may.
ROOT_ARG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

.PHONY: setup lab test unit lint render rehearse site lock clean

setup: $(STAMP)

# Exact versions from requirements.lock (what make test and CI use); the ranges in
# requirements.txt say what is compatible (Colab installs course_lib without them).
# pip would compile the installed modules to bytecode one by one; compileall does it on
# every core afterwards (about 20 s sooner on two cores).
$(STAMP): requirements.txt requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install --no-compile -r requirements.txt -c requirements.lock
	$(BIN)/python -m pip install --no-compile --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
	touch $(STAMP)

# Serves the repository root (README, course_lib/, notebooks/) and opens the lessons.
# The terminal stays busy while JupyterLab runs: stop it with Ctrl-C.
lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks $(ROOT_ARG) $(LAB_ARGS)

# Lint, the unit tests, then every notebook executed by nbval.
test: setup
	$(BIN)/ruff check conftest.py course_lib tests tools notebooks site
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder

unit: setup
	$(BIN)/python -m pytest tests

lint: setup
	$(BIN)/ruff check conftest.py course_lib tests tools notebooks site

# The full-scale rehearsal alone (also part of make test): every lesson's full-scale run
# on fixture-size copies of the real datasets served from 127.0.0.1.
rehearse: setup
	$(BIN)/python -m pytest -v tests/test_full_scale_data.py tests/test_full_scale_rehearsal.py

# Rebuild notebooks from their py:percent twins and execute them: make render [NB="03 05"]
render: setup
	$(BIN)/python tools/render.py $(NB)

# The course website from the rendered notebooks (no execution), warnings as errors:
# build/site/index.html. Needs MathJax from Debian's libjs-mathjax (served by the site).
site: setup
	$(BIN)/python tools/site.py

# Re-resolve requirements.txt in a scratch venv and write the exact versions to
# requirements.lock (then `make setup` installs them). Run after changing a range.
lock:
	rm -rf build/lock-venv
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --upgrade pip
	build/lock-venv/bin/python -m pip install -r requirements.txt
	build/lock-venv/bin/python tools/write_lock.py > requirements.lock
	rm -rf build/lock-venv

clean:
	rm -rf build .pytest_cache
