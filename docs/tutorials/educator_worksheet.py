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
# # Tutorial: a worksheet for the classroom
#
# The dashboard's lessons as a worksheet a class can run in Python (a notebook kept as a text
# file, `docs/tutorials/educator_worksheet.py`; the documentation build runs it, so the
# figures below were made when the site was built). Each part asks a question, runs a small
# market, and shows the numbers that answer it. Before each run, write down your prediction.
#
# The markets are small (2,000 customers, three years) so that each runs in seconds; a
# different seed is a different market with the same rules, and an answer that changes with
# the seed is not yet an answer.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd

from sim.configure import load_config
from sim.runner import simulate

SMALL = ["market.n_customers=2000", "market.steps=36"]


def market(*overrides: str, seed: int = 1) -> pd.DataFrame:
    """Run a small market and return its timeseries (one row per firm per month)."""
    cfg = load_config([*SMALL, *overrides, f"seed={seed}"])
    return simulate(cfg, progress=False).timeseries()


# %% [markdown]
# ## Part 1: does word of mouth beat advertising?
#
# *Prediction*: in today's experience economy, which channel brings firms more new customers,
# advertising or word of mouth?
#
# The lesson in the dashboard: `ccsim dashboard --lesson wom_vs_ads`.

# %%
ts = market("scenario=experience_economy")
channels = {"acq_ads": "advertising", "acq_wom": "word of mouth", "acq_search": "own search",
            "acq_cross_sell": "cross-selling"}
per_month = ts.groupby("step")[list(channels)].sum().rename(columns=channels)
ax = per_month.rolling(3, min_periods=1).mean().plot(figsize=(7, 3.2))
ax.set_xlabel("month")
ax.set_ylabel("acquisitions per month (3-month mean)")
per_month[per_month.index > 12].sum().rename("acquisitions after year 1").to_frame()

# %% [markdown]
# *Question*: does the answer change after the first year, when most customers know most
# firms? Change `scenario=experience_economy` to `scenario=product_aware_economy` (the 1700s)
# and run the cell again.

# %% [markdown]
# ## Part 2: which strategy grows faster?
#
# *Prediction*: customer-centric firms (cc_a, cc_b) against product-centric ones (pc_a, pc_b):
# whose revenue grows faster over the three years, and whose margin is higher?

# %%
from sim.metrics import firm_kpis  # noqa: E402

kpis = firm_kpis(ts, 12)[["firm", "strategy", "revenue_cagr", "mean_margin", "final_share"]]
kpis.round(3)

# %% [markdown]
# *Question*: run it again with `seed=2` and `seed=3` (the `market` function takes a `seed`).
# Which differences between the firms survive a change of seed?

# %%
again = pd.concat([firm_kpis(market("scenario=experience_economy", seed=s), 12).assign(seed=s)
                   for s in (2, 3)])
again.pivot_table(index="firm", columns="seed", values="revenue_cagr").round(3)

# %% [markdown]
# ## Part 3: renting instead of owning
#
# *Prediction*: in a subscription market every customer reconsiders every month. What happens
# to retention, and to the customer-centric firms' share?

# %%
sub = market("scenario=subscription")
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
for firm, g in sub.groupby("firm"):
    axes[0].plot(g["step"], g["retention"], label=firm)
    axes[1].plot(g["step"], g["market_share"], label=firm)
axes[0].set_title("monthly retention")
axes[1].set_title("share of market revenue")
for ax in axes:
    ax.set_xlabel("month")
axes[1].legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## To discuss
#
# - Which number on the page answered each question, and how sure are you of it?
# - The model's premises (how much advertising sways customers, how strongly they talk to each
#   other) are stated and sourced in the [ODD](../ODD.md); which premise would you change to
#   reverse the answer of Part 2? The [essays' claims](../strategist/claims.md) page says which
#   one does.
