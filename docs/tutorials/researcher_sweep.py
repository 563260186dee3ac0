# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tutorial: analysing a saved sweep
#
# A researcher's first hour with ccsim's tables: run a small sweep, collect it, load the tidy
# tables, read what each column means from the files themselves, and compute the headline over
# seeds with its confidence interval. This page is a notebook kept as a text file
# (`docs/tutorials/researcher_sweep.py`, jupytext's percent format); the documentation build
# runs it, so every output below was computed when the site was built.
#
# The sweep here is tiny (300 customers, two years, two scenarios × three seeds) so that the
# page builds in a minute; its numbers illustrate the steps, not the model's findings (those
# are on the [results page](../results.md)). On the command line the same sweep is
#
# ```
# ccsim run -m scenario=experience_economy,subscription 'seed=range(0,3)' \\
#   market.n_customers=300 market.steps=24
# ccsim collect results/sweeps/<its folder>
# ```

# %%
# %matplotlib inline
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

work = Path(tempfile.mkdtemp(prefix="ccsim-tutorial-"))
sweep = work / "sweep"
command = [sys.executable, "-m", "sim", "run", "-m",
           "scenario=experience_economy,subscription", "seed=range(0,3)",
           "market.n_customers=300", "market.steps=24", f"hydra.sweep.dir={sweep}"]
done = subprocess.run(command, capture_output=True, text=True, check=True)
print(done.stdout.strip().splitlines()[-1])

# %% [markdown]
# ## Collect and load
#
# `ccsim collect` gathers the job folders into three tidy tables (and the headline over seeds);
# `load_sweep` collects a sweep first if needed, so one call is enough.

# %%
from sim.results import load_sweep  # noqa: E402

runs = load_sweep(sweep)                    # one row per job
firms = load_sweep(sweep, table="firms")    # one row per job × firm
runs[["scenario", "seed", "status", "growth_gap_points", "margin_gap_points"]]

# %% [markdown]
# ## What the columns mean, from the files
#
# Every Parquet file ccsim writes carries each column's unit and meaning (the
# [data dictionary](../researcher/data-dictionary.md)); pyarrow reads them without ccsim.

# %%
import pyarrow.parquet as pq  # noqa: E402

schema = pq.read_schema(sweep / "firm_kpis.parquet")
pd.DataFrame([(f.name, f.metadata[b"unit"].decode(), f.metadata[b"meaning"].decode())
              for f in schema if f.metadata and b"unit" in f.metadata],
             columns=["column", "unit", "meaning"]).head(12)

# %% [markdown]
# ## The headline over seeds
#
# The growth gap (customer-centric minus product-centric revenue CAGR, points a year) per
# scenario, with a 95% Student-t interval over the seeds (`sim.analysis.stats`). With three
# seeds on a tiny market the intervals are wide: that is the point of reading them.

# %%
from sim.analysis.stats import t_ci  # noqa: E402

rows = []
for scenario, g in runs[runs["status"] == "ok"].groupby("scenario"):
    mean, low, high = t_ci(g["growth_gap_points"].dropna())
    rows.append({"scenario": scenario, "seeds": len(g), "growth gap (points/yr)": mean,
                 "95% CI low": low, "95% CI high": high})
pd.DataFrame(rows).round(2)

# %% [markdown]
# ## Per firm
#
# The firm table keeps each firm's own KPIs; here the mean annual retention and the share of
# market revenue in the last month, per scenario and strategy.

# %%
(firms.groupby(["scenario", "strategy"])[["annual_retention", "final_share", "nps"]]
      .mean().round(3))

# %% [markdown]
# ## Over time
#
# The stacked timeseries has one row per job × month × firm; pooling each strategy's revenue
# per month and averaging over seeds gives the groups' revenue paths.

# %%
import matplotlib.pyplot as plt  # noqa: E402

ts = load_sweep(sweep, table="timeseries")
paths = (ts.groupby(["scenario", "seed", "step", "strategy"])["revenue"].sum()
           .groupby(["scenario", "step", "strategy"]).mean().unstack("strategy"))
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
for ax, (scenario, g) in zip(axes, paths.groupby(level="scenario"), strict=True):
    g.droplevel("scenario").plot(ax=ax, title=scenario)
    ax.set_xlabel("month")
axes[0].set_ylabel("revenue per month (money), mean of 3 seeds")
fig.tight_layout()

# %% [markdown]
# From here: `ccsim plot SWEEP` draws the standard figures, `ccsim retention RUN` fits
# retention per cohort, and the [Reproduce](../researcher/reproduce.md) page lists the
# commands behind every committed result.
