# One-command workflows on a fresh machine (Python 3.11, pip, gcc): each target sets up .venv.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test test-all clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,dashboard]"
	touch $(STAMP)

## run the default scenario (10,000 customers, 4 firms, 120 months) and print the KPI table
run: setup
	$(VENV)/bin/ccsim run

## lint (ruff, rules in pyproject.toml), then the test suite as CI runs it (slow studies
## excluded; `make test-all` includes them)
test: setup
	$(VENV)/bin/ruff check .
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest -q -m "not slow"

test-all: setup
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

.PHONY: setup-slurm setup-ray bench-sweep

## optional sweep launchers: submitit (SLURM; hydra/launcher=submitit_local in tests) and Ray
setup-slurm: setup
	$(PY) -m pip install --quiet -e ".[dev,slurm]"

setup-ray: setup
	$(PY) -m pip install --quiet -e ".[dev,ray]"

## parallel efficiency of a 40-job sweep, 1 vs all cores (about 6 minutes on 2 cores)
bench-sweep: setup
	$(PY) experiments/benchmark_sweep/run.py
