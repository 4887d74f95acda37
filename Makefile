# mmdepthpretrain: install, test, lint, demo.
#
#   make install   create .venv, build mmcv 2.1.0 with ops once (cached), install the rest
#   make test      run the test suite (installs first if needed), one pytest-xdist worker
#                  per core (TEST_WORKERS=N to choose, TEST_WORKERS=0 for one process)
#   make lint      ruff over the package, tools, configs and tests
#   make demo      the paper's comparison on the synthetic world (about 61 min on 2 cores;
#                  QUICK=1 for a ~5-minute smoke run)
#
# The mmcv wheel is cached outside the repository, keyed by the mmcv, torch and Python
# versions, so later installs (and fresh clones on the same machine) reuse it.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
MMCV_VERSION := 2.1.0
MMCV_CACHE ?= $(HOME)/.cache/mmdepthpretrain/wheels
STAMP := $(VENV)/.installed
REQ := requirements/build.txt requirements/runtime.txt requirements/tests.txt setup.py
PYTEST_ARGS ?=
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 1)

DEMO_ARGS ?=

.PHONY: install test lint demo clean-venv

install: $(STAMP)

$(STAMP): $(REQ) Makefile tools/install_mmcv.sh
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null || \
	  { echo "make install: Python 3.11 is required (set PYTHON=/path/to/python3.11); found: $$($(PYTHON) --version 2>&1 || echo 'no $(PYTHON) on PATH')"; exit 1; }
	@test -x $(PY) || { echo "[install] creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@echo "[install] build requirements (setuptools, torch, torchvision, numpy)"
	@$(PIP) install --disable-pip-version-check -q -r requirements/build.txt
	@MMCV_VERSION=$(MMCV_VERSION) MMCV_CACHE=$(MMCV_CACHE) bash tools/install_mmcv.sh $(PY)
	@echo "[install] runtime and test requirements"
	@$(PIP) install --disable-pip-version-check -q -r requirements/runtime.txt -r requirements/tests.txt
	@echo "[install] mmdepthpretrain (editable)"
	@$(PIP) install --disable-pip-version-check -q --no-build-isolation --no-deps -e .
	@$(PY) -c "import mmdepthpretrain, mmcv.ops, mmseg, mmdet, mmpretrain; print('[install] ok: mmdepthpretrain', mmdepthpretrain.__version__, '| mmcv', mmcv.__version__, 'with ops')"
	@touch $(STAMP)

test: install
	$(PY) -m pytest tests -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check mmdepthpretrain tools configs tests benchmarks setup.py

demo: install
	$(PY) tools/experiments/demo.py $(if $(filter 1 yes true,$(QUICK)),--quick) $(DEMO_ARGS)

clean-venv:
	rm -rf $(VENV)
