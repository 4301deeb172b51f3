# Entry points of the compendium. The README's two commands are `make repro` and `make test`;
# both create the environment from requirements.lock first (idempotent) and compile the NEURON mechanisms.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
PROFILE ?= full
BIN := $(VENV)/bin
LOCK_HASH := $(shell sha256sum requirements.lock | cut -c1-16)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
export DVC_NO_ANALYTICS := 1
# stage commands call `python`: make it the environment's
export PATH := $(BIN):$(PATH)
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: sweep setup venv mechanisms dvc-cache repro test test-slow test-full bench lint lock paper check-hashes archive restore clean help

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
$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet --no-deps -r requirements.lock
	$(BIN)/python -m pip check
	@rm -f $(VENV)/.installed-*
	@touch $@

mechanisms: venv
	$(BIN)/python -m analysis.model.mechanisms

repro: setup
ifeq ($(PROFILE),full)
	$(BIN)/dvc repro
else
	$(BIN)/python -m tools.workspace $(PROFILE)
	cd runs/$(PROFILE) && $(BIN)/dvc repro
endif

# the simulations only, side by side on Dask: `make sweep [WORKERS=N] [PROFILE=quick]` (README "Running the full
# study"; a cluster: python -m tools.sweep --cluster FILE)
SWEEP_ARGS := $(if $(WORKERS),--workers $(WORKERS)) $(if $(STAGE),--stage $(STAGE))
sweep: setup
ifeq ($(PROFILE),full)
	$(BIN)/python -m tools.sweep $(SWEEP_ARGS)
else
	$(BIN)/python -m tools.workspace $(PROFILE)
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

check-hashes: setup
	$(BIN)/python -m tools.check_hashes $(ITEMS) $(if $(WORKERS),--workers $(WORKERS))

archive: setup
	$(BIN)/python -m tools.archive --record

ONLY ?= all
restore: setup
	@test -n "$(ARCHIVE)" || { echo "error: make restore needs ARCHIVE=/path/to/deposit.tar" >&2; exit 2; }
	$(BIN)/python -m tools.restore "$(ARCHIVE)" --only $(ONLY)

lock:
	$(PYTHON) -m venv /tmp/lock-venv && /tmp/lock-venv/bin/pip install -r requirements.in
	{ echo "# Generated with: pip freeze --all (Python 3.11, Linux x86_64) after 'pip install -r requirements.in'."; \
	  echo "# setuptools is pinned (torch needs >= 77.0.3), pip is pinned by the Makefile; local labels such as"; \
	  echo "# +cpu are dropped (they exist on no public index). Every package of the PyPI route. Regenerate: make lock"; \
	  /tmp/lock-venv/bin/pip freeze --all --exclude-editable | grep -v '^pip==' | sed 's/+cpu$$//' | sort -f; } > requirements.lock

clean:
	rm -rf build runs
