# Entry points of the compendium. The README's two commands are `make repro` and `make test`;
# both create the environment from requirements.lock first (idempotent) and compile the NEURON mechanisms.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
PROFILE ?= full
BIN := $(VENV)/bin
LOCKS := requirements-pip.lock requirements.lock requirements-torch.lock
LOCK_HASH := $(shell cat $(LOCKS) | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
export DVC_NO_ANALYTICS := 1
# stage commands call `python`: make it the environment's
export PATH := $(BIN):$(PATH)
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: prerequisites fresh-machine-test container container-check sweep setup venv mechanisms dvc-cache repro test test-slow test-full bench lint lock paper check-hashes archive restore clean help

help:
	@echo "make repro [PROFILE=full|quick|tiny]  set up, then run the pipeline (dvc repro)"
	@echo "make test                             set up, then run the default tests (tiny scale)"
	@echo "make test-slow | test-full            also the slow checks | the full-scale checks"
	@echo "make bench                            benchmarks (bench/), ratios measured side by side"
	@echo "make sweep [WORKERS=N] [PROFILE=...] [STAGE=simulate_study2]  only the simulations, side by side on Dask (resumable)"
	@echo "make check-hashes ITEMS='j00 j17 kernels'  re-run items and compare their outputs with dvc.lock"
	@echo "make archive                          pack every result of dvc.lock into dist/NAME-COMMIT.tar (+ .sha256)"
	@echo "make restore ARCHIVE=file.tar [ONLY=derived]  check a deposit file and pull its results (no downloads)"

setup: venv mechanisms dvc-cache

# What a bare Debian 12 or Ubuntu machine needs before `make repro` / `make test` (README "The two commands";
# the Dockerfile installs the same, tests/test_environment.py checks it; `make fresh-machine-test` proves it).
DEBIAN_PREREQUISITES := python3 python3-venv libpython3.11 gcc g++ make git
prerequisites:
	@echo $(DEBIAN_PREREQUISITES)

# The README's set-up and `make test` in a bare Debian 12 container from a clean clone (tools/fresh_machine.sh).
fresh-machine-test:
	bash tools/fresh_machine.sh

# The container (Dockerfile): build it from a clean clone, then make test, check-hashes and the default command
# inside it, as a non-root user on a bind-mounted work tree (tools/container_check.sh).
IMAGE ?= hagen-eeg-compendium:$(shell git rev-parse --short HEAD 2>/dev/null || echo dev)
container:
	bash tools/container_check.sh --build-only
container-check: venv
	PYTHON_BIN=$(BIN)/python bash tools/container_check.sh

# DVC's cache (and run-cache) outside the work tree, so that a fresh clone on the same machine finds every
# finished stage; point it elsewhere with `make repro DVC_CACHE_DIR=/big/disk/dvc-cache`.
DVC_CACHE_DIR ?= $(HOME)/.cache/hagen-eeg-compendium/dvc-cache
dvc-cache: venv
	@$(BIN)/dvc config --local cache.dir $(DVC_CACHE_DIR)

ifeq ($(COMPENDIUM_USE_ACTIVE_ENV),1)
# inside the container: the conda-forge environment is the environment; no virtual environment is built
BIN := $(dir $(shell command -v python))
venv: ;
else
venv: $(STAMP)
endif
# The environment (README "The environment"): pip itself first (requirements-pip.lock), so the same installer runs
# everywhere; every package from PyPI, each file checked against its sha256 in requirements.lock; then torch's
# CPU build from PyTorch's CPU index, checked against requirements-torch.lock.
# TORCH_WHEEL_DIR=DIR takes that wheel from a folder instead (a machine that cannot reach PyTorch's index; the
# fresh-machine test here); its hash is checked the same way, so it can only be the same file.
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
TORCH_WHEEL_DIR ?=
TORCH_SOURCE = $(if $(TORCH_WHEEL_DIR),--no-index --find-links $(TORCH_WHEEL_DIR),--index-url $(TORCH_INDEX_URL))
# the stamp's name holds the locks' hash, so a changed lock re-installs; no time-stamp prerequisites, so that a
# work tree bind-mounted into the container (newer files, same locks) uses the image's environment as it is
$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "error: Python 3.11 is required (requirements.lock is for CPython 3.11), found " + sys.version.split()[0] + " at " + sys.executable + "; run make with PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-pip.lock
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes $(TORCH_SOURCE) -r requirements-torch.lock
	$(BIN)/python -m pip check
	@rm -f $(VENV)/.installed-*
	@touch $@

mechanisms: venv
	$(BIN)/python -m analysis.model.mechanisms

# a profile's workspace shares DVC's cache with the repository (DVC_CACHE_DIR): the run-cache keys on parameters,
# so profiles never collide, and a fresh clone resumes a profile's finished stages. Each run ends by checking that
# every output dvc.lock records reached the cache (tools/cache_check.py).
repro: setup
ifeq ($(PROFILE),full)
	$(BIN)/dvc repro
	$(BIN)/python -m tools.cache_check
else
	$(BIN)/python -m tools.workspace $(PROFILE) --cache-dir $(DVC_CACHE_DIR)
	cd runs/$(PROFILE) && $(BIN)/dvc repro && $(BIN)/python -m tools.cache_check
endif

# the simulations only, side by side on Dask: `make sweep [WORKERS=N] [PROFILE=quick]` (README "Running the full
# study"; a cluster: python -m tools.sweep --cluster FILE)
SWEEP_ARGS := $(if $(WORKERS),--workers $(WORKERS)) $(if $(STAGE),--stage $(STAGE))
sweep: setup
ifeq ($(PROFILE),full)
	$(BIN)/python -m tools.sweep $(SWEEP_ARGS)
else
	$(BIN)/python -m tools.workspace $(PROFILE) --cache-dir $(DVC_CACHE_DIR)
	cd runs/$(PROFILE) && $(BIN)/python -m tools.sweep $(SWEEP_ARGS)
endif

test: setup
	$(BIN)/python -m pytest -m "not slow and not full"

test-slow: setup
	$(BIN)/python -m pytest -m "not full"

test-full: setup
	$(BIN)/python -m pytest -m "full"

bench: setup
	$(BIN)/python -m bench

lint: venv
	$(BIN)/ruff check analysis tests tools bench
	$(BIN)/hadolint Dockerfile
	$(BIN)/lint-imports --config .importlinter

check-hashes: setup
	$(BIN)/python -m tools.check_hashes $(ITEMS) $(if $(WORKERS),--workers $(WORKERS))

archive: setup
	$(BIN)/python -m tools.cache_check
	$(BIN)/python -m tools.archive --record

ONLY ?= all
restore: setup
	$(BIN)/python -m tools.restore $(if $(ARCHIVE),"$(ARCHIVE)") --only $(ONLY)

# Regenerate both lock files from requirements.in with uv (tools/make_lock.py); versions already locked are
# kept (`make lock UPGRADE=1` for the newest allowed). Needs PyPI and PyTorch's CPU index, or TORCH_WHEEL_DIR.
UV_VERSION := 0.13.8
LOCK_VENV := $(CURDIR)/build/lock-venv
lock:
	@test -x $(LOCK_VENV)/bin/uv || { $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"; }
	PATH=$(LOCK_VENV)/bin:$$PATH $(LOCK_VENV)/bin/python -m tools.make_lock $(if $(TORCH_WHEEL_DIR),--torch-wheel-dir $(TORCH_WHEEL_DIR)) $(if $(UPGRADE),--upgrade)

clean:
	rm -rf build runs
