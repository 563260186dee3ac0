"""The sensitivity results in words: the ``sensitivity_summary`` block of the results README.

Reads the committed folders of ``ccsim sensitivity`` (``problem.json``, ``indices.csv``,
``regions.csv``, ``samples.parquet``, ``runs.parquet``); never runs the model. Every figure
results/sensitivity/README.md quotes (spans, medians, shares of points below zero, the largest
Morris μ* with their bootstrap half-widths and signs, the Sobol indices, the regional means by
thirds of the leading factor's range, the seed noise of a point) comes from those files, so
regenerating the analyses and ``python -m sim.analysis.verdict_summary`` keep the prose true.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["markdown", "morris_text", "reversed_share", "seed_noise", "sobol_text"]

GROWTH, MARGIN = "growth_gap_points", "margin_gap_points"


def reversed_share(samples: pd.DataFrame, output: str) -> tuple[int, int]:
    """Points whose (seed-averaged) output is below zero, and points where it is defined."""
    y = pd.to_numeric(samples[output], errors="coerce").to_numpy(dtype=float)
    y = y[np.isfinite(y)]
    return int((y < 0).sum()), int(y.size)


def seed_noise(runs: pd.DataFrame, output: str) -> float:
    """Median over points of half the range of the output between a point's seeds."""
    spread = runs.groupby("sample")[output].agg(lambda x: (x.max() - x.min()) / 2)
    return float(spread.median())


def _short(key: str) -> str:
    return f"`{key.split('.')[-1]}`" if key.startswith("market.choice") else f"`{key}`"


def _spread(samples: pd.DataFrame, output: str, what: str) -> str:
    y = pd.to_numeric(samples[output], errors="coerce").dropna()
    k, n = reversed_share(samples, output)
    return (f"the {what} spans {y.min():+.1f} to {y.max():+.1f} over the points (median "
            f"{y.median():+.1f}) and is below zero at {k} of {n} points ({100 * k / n:.0f} %)")


def _run_line(meta: dict) -> str:
    s = meta["settings"]
    return (f"{meta['points']} points, {meta['model_runs']} runs (model seeds "
            f"{', '.join(map(str, meta['model_seeds']))}) in {meta['seconds']:.0f} s on "
            f"{s['n_jobs']} workers, overrides {', '.join(s['overrides']) or 'none'}, SALib "
            f"{meta['versions'].get('SALib', '?')} seed {s['salib_seed']}")


def morris_text(folder: Path, top: int = 8) -> str:
    """The Morris paragraph: run, spans, largest μ* of the growth gap, margin order, seed noise."""
    meta = json.loads((folder / "problem.json").read_text(encoding="utf-8"))
    idx = pd.read_csv(folder / "indices.csv")
    samples = pd.read_parquet(folder / "samples.parquet")
    runs = pd.read_parquet(folder / "runs.parquet")
    grow = idx[idx["output"] == GROWTH].sort_values("mu_star", ascending=False)
    marg = idx[idx["output"] == MARGIN].sort_values("mu_star", ascending=False)
    big = ", ".join(f"{_short(r.parameter)} {r.mu_star:.1f} ± {r.mu_star_conf:.1f} "
                    f"({'+' if r.mu >= 0 else '−'})" for r in grow.head(top).itertuples())
    small = ", ".join(f"{_short(r.parameter)} {r.mu_star:.1f}"
                      for r in grow.tail(2).itertuples())
    margin = ", ".join(f"{_short(r.parameter)} {r.mu_star:.1f}"
                       for r in marg.head(4).itertuples())
    return (f"**Morris** ({meta['settings']['n']} trajectories over "
            f"{len(meta['parameters'])} parameters, {_run_line(meta)}): "
            f"{_spread(samples, GROWTH, 'growth gap')}; {_spread(samples, MARGIN, 'margin gap')}"
            f". Largest effects on the growth gap (μ*, points a year, ± its 95 % bootstrap "
            f"half-width; sign of μ): {big}; the smallest: {small}. On the margin gap: {margin} "
            f"points. Seed noise of a point (median of half the difference between its seeds): "
            f"{seed_noise(runs, GROWTH):.2f} growth points, {seed_noise(runs, MARGIN):.2f} "
            f"margin points.")


def sobol_text(folder: Path) -> str:
    """The Sobol paragraph: run, total and first-order indices, shares below zero, regions."""
    meta = json.loads((folder / "problem.json").read_text(encoding="utf-8"))
    idx = pd.read_csv(folder / "indices.csv")
    samples = pd.read_parquet(folder / "samples.parquet")
    regions = pd.read_csv(folder / "regions.csv")
    grow = idx[idx["output"] == GROWTH].sort_values("ST", ascending=False)
    marg = idx[idx["output"] == MARGIN].set_index("parameter")
    total = ", ".join(f"{_short(r.parameter)} {r.ST:.2f} ± {r.ST_conf:.2f} (S1 {r.S1:.2f})"
                      for r in grow.itertuples())
    margin = ", ".join(f"{_short(p)} {marg.loc[p, 'ST']:.2f}" for p in grow["parameter"]
                       if p in marg.index)
    lead = grow.iloc[0]["parameter"]
    text = (f"**Sobol** (Saltelli, no second order; N = {meta['settings']['n']} over "
            f"{len(meta['parameters'])} parameters, the others at their defaults; "
            f"{_run_line(meta)}): {_spread(samples, GROWTH, 'growth gap')}; "
            f"{_spread(samples, MARGIN, 'margin gap')}. Total-order indices ST (± 95 % "
            f"bootstrap half-width; first-order S1) of the growth gap: {total}; ST of the margin "
            f"gap, same order: {margin}.")
    for out, what in ((GROWTH, "growth gap, points a year"), (MARGIN, "margin gap, points")):
        g = regions[(regions["output"] == out) & (regions["parameter"] == lead)]
        by = "; ".join(f"[{r.low:.3g}, {r.high:.3g}] {r.mean:+.1f} (reversed at "
                       f"{100 * r.reversed_share:.0f} % of {r.points})" for r in g.itertuples())
        text += f" Mean {what}, by thirds of {_short(lead)}'s range: {by}."
    others = regions[(regions["output"] == GROWTH) & (regions["parameter"] != lead)
                     & (regions["points"] > 0)]
    worst = others.sort_values("reversed_share", ascending=False).groupby(
        "parameter", sort=False).head(1)
    text += (" Elsewhere the growth verdict is reversed most at: " + "; ".join(
        f"{_short(r.parameter)} in [{r.low:.3g}, {r.high:.3g}] ({100 * r.reversed_share:.0f} %)"
        for r in worst.itertuples()) + ".")
    return text


def markdown(folder: str | Path) -> str:
    """The block's body from ``folder`` (results/sensitivity: its ``morris`` and ``sobol``)."""
    folder = Path(folder)
    return "\n\n".join([morris_text(folder / "morris"), sobol_text(folder / "sobol")]) + "\n"
