# Sequence models course: `make lab` to learn, `make test` to check every lesson.
#   make lab PYTHON=python3.12             build .venv with another Python (3.10-3.13)
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
empty    :=
space    := $(empty) $(empty)
ROOT_ARG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

# Colab's runtime (requirements-colab.txt, from Colab's published package list): a second
# venv on Colab's Python where this machine has it (tools/find_python.sh), else on PYTHON.
COLAB_VENV   ?= .venv-colab
COLAB_BIN     = $(COLAB_VENV)/bin
COLAB_STAMP   = $(COLAB_VENV)/.installed
COLAB_PYTHON ?= $(shell tools/find_python.sh 3.13 || echo $(PYTHON))
# The notebook test harness in the Colab venv, at the lock's versions.
HARNESS       = nbval pytest-xdist pytest-timeout execnet coverage

.PHONY: setup lab copy test unit lint render exercises rehearse site lock clean setup-colab test-colab

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

# Serves the repository root (README, course_lib/, notebooks/) and opens the lessons, with
# the settings in lab/ (twins hidden, no news pop-up, saving an unchanged lesson changes
# nothing). The terminal stays busy while JupyterLab runs: stop it with Ctrl-C.
lab: setup
	JUPYTER_CONFIG_PATH="$(CURDIR)/lab$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks $(ROOT_ARG) $(LAB_ARGS)

# A copy of a lesson to edit, in work/ (git ignores it): make copy NB=05
WORK ?= work
copy: setup
	@$(BIN)/python tools/copy_lesson.py "$(NB)" --to "$(WORK)"

# Lint, the unit tests, then every notebook executed by nbval. Full scale is for Colab, so
# what concerns it runs in make test-colab, on Colab's packages: the GPU determinism scan,
# lessons 05, 11 and 12 at full scale, and the full-scale rehearsal under Keras' GPU jit
# rule (make rehearse runs the rehearsal here).
test: setup
	$(BIN)/ruff check conftest.py course_lib tests tools notebooks exercises/source exercises/solutions site
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder \
	  --ignore=tests/test_gpu_determinism.py --ignore=tests/test_full_scale_lessons.py \
	  --ignore=tests/test_full_scale_rehearsal.py

unit: setup
	$(BIN)/python -m pytest tests

lint: setup
	$(BIN)/ruff check conftest.py course_lib tests tools notebooks exercises/source exercises/solutions site

# The full-scale rehearsal on the lock's packages (make test-colab runs it on Colab's, under
# Keras' GPU jit rule): every lesson's full-scale run
# on fixture-size copies of the real datasets served from 127.0.0.1.
rehearse: setup
	$(BIN)/python -m pytest -v tests/test_full_scale_data.py tests/test_full_scale_rehearsal.py

# Rebuild notebooks from their py:percent twins and execute them: make render [NB="03 05"]
render: setup
	$(BIN)/python tools/render.py $(NB)

# The checked exercises: from exercises/source/NN_topic.py, the student version
# exercises/NN_topic.ipynb and the executed solutions exercises/solutions/NN_topic.ipynb.
exercises: setup
	$(BIN)/python tools/build_exercises.py $(NB)

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

# Colab's configuration, all in the Colab venv: every lesson at lesson scale, lessons 05, 11
# and 12 at full scale, the range test's unit tests, both versions of every exercise notebook
# and its wrong answers (not the build, which needs nbgrader), the ops of every training step against
# those TensorFlow refuses on a GPU under op determinism, then (in a process where op determinism
# stays off) every trained model and the full-scale rehearsal under Keras' GPU jit rule.
setup-colab: $(COLAB_STAMP)

# course_lib is installed as Colab's setup cell installs it (a copy, not editable): a change
# to its code installs it again.
$(COLAB_STAMP): requirements-colab.txt requirements.lock pyproject.toml $(shell find course_lib -name '*.py')
	test -x $(COLAB_BIN)/python || $(COLAB_PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_BIN)/python -m pip install -q --upgrade pip
	$(COLAB_BIN)/python -m pip install -q --no-compile -r requirements-colab.txt
	@# As the lessons' Colab setup cell does: course_lib and its own ranges, nothing of the lock.
	$(COLAB_BIN)/python -m pip install -q --no-compile .
	@# The harness at the lock's versions; it may not move any of Colab's packages.
	$(COLAB_BIN)/python -m pip install -q --no-compile -c requirements-colab.txt \
	  $$(grep -E '^($(subst $(space),|,$(HARNESS)))==' requirements.lock)
	$(COLAB_BIN)/python -m compileall -q -j 0 "$$($(COLAB_BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
	TF_CPP_MIN_LOG_LEVEL=3 $(COLAB_BIN)/python -c 'import platform, tensorflow as tf, keras; print("Colab venv: Python", platform.python_version(), "TensorFlow", tf.__version__, "Keras", keras.__version__)'
	touch $(COLAB_STAMP)

test-colab: $(COLAB_STAMP)
	PYDEVD_DISABLE_FILE_VALIDATION=1 COURSE_COLAB_RUNTIME=1 $(COLAB_BIN)/python -m pytest -n $(JOBS) \
	  --dist loadfile --no-loadscope-reorder notebooks tests/test_full_scale_lessons.py tests/test_recipe.py \
	  tests/test_gpu_determinism.py tests/test_exercises.py \
	  --deselect tests/test_exercises.py::test_the_built_notebooks_are_those_of_the_sources
	@# Under the rule each worker keeps what XLA compiled: the models, then the rehearsal, are
	@# spread over the workers test by test, in two runs, so memory stays within 3 GB.
	COURSE_GPU_JIT_RULE=1 $(COLAB_BIN)/python -m pytest -n $(JOBS) --dist load tests/test_gpu_jit_rule.py
	COURSE_GPU_JIT_RULE=1 $(COLAB_BIN)/python -m pytest -n $(JOBS) --dist load \
	  tests/test_full_scale_data.py tests/test_full_scale_rehearsal.py

clean:
	rm -rf build .pytest_cache
