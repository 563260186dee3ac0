# One-command workflows on a fresh machine (Python 3.11, pip, gcc): each target sets up .venv.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# setuptools' note on every editable install of a package with a package-dir (sim.conf = conf/)
PIP_E := PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet -e

.PHONY: setup run test test-all clean docs

setup: $(STAMP)

# The two slow first-time steps say what they are doing: installing, then compiling the Numba
# kernels once with a tiny run (Numba caches them in sim/kernels/__pycache__, so every later
# run starts in seconds).
$(STAMP): pyproject.toml
	@echo "ccsim: installing ccsim and its dependencies into $(VENV) (once, 1-2 minutes)..."
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PIP_E) ".[dev,dashboard]"
	@echo "ccsim: compiling the simulation kernels (once, about 30 s)..."
	@$(VENV)/bin/ccsim run market.n_customers=200 market.steps=2 output.print_table=false \
	  hydra.run.dir=$(VENV)/warmup-run >$(VENV)/warmup.log 2>&1 \
	  || { cat $(VENV)/warmup.log; exit 1; }
	@rm -rf $(VENV)/warmup-run $(VENV)/warmup.log
	@touch $(STAMP)
	@echo "ccsim: ready; the command is $(VENV)/bin/ccsim (or: source $(VENV)/bin/activate)"

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
	rm -rf $(VENV) build *.egg-info .pytest_cache site

DOCS_STAMP := $(VENV)/.docs-installed
$(DOCS_STAMP): pyproject.toml | $(STAMP)
	@echo "ccsim: installing the docs extra (MkDocs, Material, mkdocstrings, notebooks)..."
	$(PIP_E) ".[dev,dashboard,docs]"
	@touch $(DOCS_STAMP)

## the documentation site into site/ (open site/index.html): MkDocs --strict, the API reference
## from docstrings, the tutorials in docs/tutorials/ executed (a few minutes)
docs: setup $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 OPENBLAS_NUM_THREADS=1 MPLBACKEND=Agg $(VENV)/bin/mkdocs build --strict

.PHONY: setup-slurm setup-ray bench bench-sweep

## optional sweep launchers: submitit (SLURM; hydra/launcher=submitit_local in tests) and Ray
setup-slurm: setup
	$(PIP_E) ".[dev,slurm]"

setup-ray: setup
	$(PIP_E) ".[dev,ray]"

## the committed benchmark: ccsim bench with 10^7 customers (about 40 minutes on an idle 2-core
## machine), then the targets table of docs/results.md from its CSVs
bench: setup
	$(VENV)/bin/ccsim bench --with-1e7
	$(PY) -m sim.analysis.bench_table --readme docs/results.md

## sweep efficiency, Σ model time ÷ (wall × workers), of 1,000 runs of 2,000 customers × 120
## months through the experiments' launcher (about 6 minutes on 2 cores by ccsim experiment
## --plan's rates, not measured); appends a row to results/benchmark_sweep/efficiency.csv
bench-sweep: setup
	$(PY) experiments/benchmark_sweep/run.py

.PHONY: fits results
FIT_TARGETS := bass_room_ac bass_dryers bass_colour_tv sbg_regular sbg_highend retention_subscription retention_b2b retention_experience_economy retention_product_aware_economy retention_exploitation
## every committed fit of results/fits from scratch on the current model (about 25 minutes on 2
## cores), then the fits table of docs/results.md: each fit runs in results/tmp/refit/ (a killed
## one resumes there) and replaces its committed folder only when it has finished. The retention
## fits set their scenarios' churn premises: when one moves, copy its best point into
## conf/scenario/ (tests/studies/test_fit_committed.py fails until the two agree)
fits: setup
	$(VENV)/bin/ccsim fit cdnow
	for t in $(FIT_TARGETS); do \
	  $(VENV)/bin/ccsim fit $$t --out results/tmp/refit/$$t && \
	  rm -rf results/fits/$$t && mv results/tmp/refit/$$t results/fits/$$t || exit 1; \
	done
	$(PY) -m sim.analysis.fit_report --docs

SOBOL_PARAMS := market.choice.beta_ad,market.choice.beta_quality,market.choice.beta_service,market.levers.rd.half_saturation,market.economics.learn_rate
## regenerate every committed result that quotes the model (after a model or default change;
## about 15-30 minutes on 2 cores): elasticities of the six scenarios (and the default's advertising
## with the changed firm's budget by its rule, for comparison), the customer-value check, the
## decomposition, the scenario table (docs/results.md), the stylised facts (ODD), Morris and Sobol (Sobol on
## the five parameters with the largest Morris mu* of the growth gap: check them after Morris),
## after the fits (make fits)
results: fits
	$(VENV)/bin/ccsim elasticities --seeds 10 --out results/calibration/elasticities_default market.n_customers=5000
	$(VENV)/bin/ccsim elasticities --seeds 10 --out results/calibration/elasticities_subscription scenario=subscription market.n_customers=5000
	$(VENV)/bin/ccsim elasticities --seeds 10 --out results/calibration/elasticities_product_aware_economy scenario=product_aware_economy market.n_customers=5000
	$(VENV)/bin/ccsim elasticities --seeds 10 --out results/calibration/elasticities_exploitation scenario=exploitation market.n_customers=5000
	$(VENV)/bin/ccsim elasticities --seeds 10 --out results/calibration/elasticities_b2b scenario=b2b
	$(VENV)/bin/ccsim elasticities --seeds 10 --out results/calibration/elasticities_bass scenario=bass market.n_customers=5000
	$(VENV)/bin/ccsim elasticities --seeds 10 --levers advertising --budget rule --out results/calibration/elasticities_default_budget_rule market.n_customers=5000
	$(PY) experiments/calibration/customer_value.py
	$(VENV)/bin/ccsim decompose --seeds 10 --out results/calibration/decompose_default
	$(PY) experiments/scenarios/run.py
	$(PY) experiments/pricing/run.py
	$(VENV)/bin/ccsim replicate --force
	$(PY) -m sim.studies.retention_ranges
	$(PY) experiments/calibration/stylised_facts.py
	$(VENV)/bin/ccsim sensitivity --method morris --out results/sensitivity/morris
	$(VENV)/bin/ccsim sensitivity --method sobol --n 64 --params $(SOBOL_PARAMS) --out results/sensitivity/sobol
	$(PY) -m sim.analysis.verdict_summary

.PHONY: experiments
## every experiment's full form (issue 27; ccsim experiment --plan states each one's runs and
## compute), then the claims tables of experiments/README.md and the README from their CSVs;
## resumable: run it again after an interruption and only the missing runs run
experiments: setup
	$(VENV)/bin/ccsim experiment --all

.PHONY: optimise
## the committed optimisation runs (issue 28), in the default scenario (10,000 customers, 120
## months, 2 workers): one firm's best shares, budget and pricing against fixed rivals (780
## trials × 6 seeds and 4 decisions × 30 fresh seeds: about 4,800 runs of ~1.3 s, about an
## hour), then the four firms' alternating best responses (up to 5 rounds × 4 firms × 150
## trials × 6 seeds: up to 18,000 runs; the committed run took 1.95 hours). Resumable:
## after an interruption run it again and finished trials are read back, not run again; then the
## results page's account of both folders (docs/results.md, optimise_summary)
optimise: setup
	$(VENV)/bin/ccsim optimise --out results/optimise/default
	$(VENV)/bin/ccsim optimise --rivals respond --out results/optimise/respond_default
	$(PY) -m sim.analysis.verdict_summary
