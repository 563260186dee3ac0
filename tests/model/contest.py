"""Helpers for the logic tests: run a configuration over seeds and measure group gaps.

Groups are by what firms *do* (their budget's customer orientation), never by their labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from sim.analysis.stats import t_ci
from sim.config import Config
from sim.configure import load_config
from sim.metrics import cagr
from sim.model import MarketModel


def run(cfg: Config, edit: Callable[[Config], None] | None = None) -> pd.DataFrame:
    """Simulate ``cfg`` (after ``edit(cfg)``, if given) and return its timeseries."""
    if edit is not None:
        edit(cfg)
    model = MarketModel(cfg)
    for _ in range(cfg.market.steps):
        model.step()
    return model.timeseries()


def group_gaps(ts: pd.DataFrame, steps_per_year: int) -> tuple[float, float]:
    """(revenue-growth gap, margin gap in points): customer- minus product-oriented firms.

    Each group pools its firms' revenue and profit per step; growth is the CAGR from the first
    to the last full year, margin is profit over revenue over the whole run.
    """
    last = ts.sort_values("step").groupby("firm")["orientation"].last()
    out = {}
    for name, members in (("cc", last[last > 0.5].index), ("pc", last[last < 0.5].index)):
        g = ts[ts["firm"].isin(members)].groupby("step")[["revenue", "profit"]].sum()
        out[name] = (cagr(g["revenue"].sort_index(), steps_per_year),
                     100.0 * g["profit"].sum() / g["revenue"].sum())
    return out["cc"][0] - out["pc"][0], out["cc"][1] - out["pc"][1]


def gaps_over_seeds(overrides: list[str], seeds: Iterable[int]) -> pd.DataFrame:
    """One row per seed: the growth gap and the margin gap of :func:`group_gaps`."""
    rows = []
    for seed in seeds:
        cfg = load_config([*overrides, f"seed={seed}"])
        growth, margin = group_gaps(run(cfg), cfg.market.steps_per_year)
        rows.append({"seed": seed, "growth_gap": growth, "margin_gap": margin})
    return pd.DataFrame(rows)


def ci(values: Iterable[float]) -> tuple[float, float, float, float]:
    """(mean, low, high, half-width) of the 95% Student-t interval of the mean."""
    mean, low, high = t_ci(np.asarray(list(values), dtype=float))
    return mean, low, high, (high - low) / 2.0
