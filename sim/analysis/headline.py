"""The headline over seeds: mean and 95% CI of each headline KPI, and the essays' 2:1 test.

Reads a collected sweep's ``runs.parquet`` (one row per run, the run-level KPIs of
:func:`sim.metrics.strategy_comparison`); never runs the model. Runs are grouped by every swept
key other than the seed (scenario, firm presets, parameters…), so different settings are never
averaged together; within a group each run (seed) is one replicate.

The 2:1 test asks whether customer-centric firms grow twice as fast as product-centric ones
(essay 003). It reads the ``growth_ratio`` (CAGR_cc ÷ CAGR_pc) over the group's runs:

=================  ==============================================================================
``holds``          the lower bound of the 95% t-interval of the mean growth_ratio is ≥ 2
``fails``          the upper bound is < 2 (or customer-centric revenue shrank in every run while
                   product-centric revenue grew)
``inconclusive``   the interval contains 2, there is a single run, or the ratio is undefined in
                   some runs (a group's revenue shrank there)
``not applicable`` the product-centric CAGR is ≤ 0 on average: a growth ratio needs both groups
                   to grow (``growth_gap_points`` and ``revenue_multiple_ratio`` still compare them)
=================  ==============================================================================

Each verdict comes with its reason in words. Files (:func:`write_headline`): ``headline.csv``
and ``headline.parquet`` beside ``runs.parquet``, one row per group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..metrics import HEADLINE_UNITS, headline_reasons
from .stats import t_ci

__all__ = [
    "HEADLINE",
    "VERDICTS",
    "format_headline",
    "group_keys",
    "headline_table",
    "swept_params",
    "two_to_one",
    "write_headline",
]

#: The headline KPIs summarised over seeds (columns of runs.parquet).
HEADLINE: tuple[str, ...] = (
    "customer_centric_revenue_cagr",
    "product_centric_revenue_cagr",
    "growth_gap_points",
    "revenue_multiple_ratio",
    "growth_ratio",
    "margin_gap_points",
    "market_cagr",
    "share_gain_points",
    "customer_centric_category_part",
    "product_centric_category_part",
)
VERDICTS = ("holds", "fails", "inconclusive", "not applicable")
#: The ratio the 2:1 test compares with.
CLAIM = 2.0

#: Columns of runs.parquet that are never swept parameters.
_RESERVED = {"run_id", "status", "error", "path", "run_dir", "config_hash", "seconds",
             "runtime_seconds", *HEADLINE_UNITS, "customer_centric_firms",
             "product_centric_firms"}
#: Top-level override keys that carry no dot (config fields and config groups).
_TOP_LEVEL = {"seed", "name", "market", "firms", "scenario"}

#: How each KPI is printed: (scale, format, unit).
_SHOW = {
    "customer_centric_revenue_cagr": (100.0, "{:+.1f}", "% a year"),
    "product_centric_revenue_cagr": (100.0, "{:+.1f}", "% a year"),
    "growth_gap_points": (1.0, "{:+.1f}", "percentage points a year"),
    "revenue_multiple_ratio": (1.0, "{:.2f}", "× (last-year ÷ first-year revenue, cc ÷ pc)"),
    "growth_ratio": (1.0, "{:.2f}", "× (CAGR ÷ CAGR)"),
    "margin_gap_points": (1.0, "{:+.1f}", "percentage points"),
    "market_cagr": (100.0, "{:+.1f}", "% a year (all firms' revenue: the category's growth)"),
    "share_gain_points": (1.0, "{:+.2f}",
                          "percentage points a year (customer-centric share of revenue)"),
    "customer_centric_category_part": (1.0, "{:.2f}",
                                       "of customer-centric growth was the category's"),
    "product_centric_category_part": (1.0, "{:.2f}",
                                      "of product-centric growth was the category's"),
}


def swept_params(runs: pd.DataFrame) -> list[str]:
    """Columns of a runs table that are swept parameters (override keys), ``seed`` included.

    A column is a parameter when it is not one of the collected outputs and is an override key:
    it contains a dot (``market.awareness.ad_response``) or is a top-level key or config group
    (``seed``, ``scenario``, ``firms``, ``market``, ``name``).
    """
    return [c for c in runs.columns
            if c not in _RESERVED and ("." in c or c in _TOP_LEVEL)]


def group_keys(runs: pd.DataFrame) -> list[str]:
    """Every swept key other than the seed: what a headline is grouped by."""
    return [p for p in swept_params(runs) if p != "seed"]


def _ok(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"].astype(str) == "ok"] if "status" in runs else runs


def _col(runs: pd.DataFrame, key: str) -> np.ndarray:
    if key not in runs:
        return np.full(len(runs), np.nan)
    return pd.to_numeric(runs[key], errors="coerce").to_numpy(dtype=float)


def two_to_one(runs: pd.DataFrame, confidence: float = 0.95) -> tuple[str, str]:
    """The essays' 2:1 test on one group of runs (one setting, several seeds).

    Args:
        runs: Rows of runs.parquet of one setting (failed runs are ignored).
        confidence: Coverage of the interval.

    Returns:
        ``(verdict, reason)``, the verdict one of :data:`VERDICTS`.
    """
    runs = _ok(runs)
    cc = _col(runs, "customer_centric_revenue_cagr")
    pc = _col(runs, "product_centric_revenue_cagr")
    both = np.isfinite(cc) & np.isfinite(pc)
    n = int(both.sum())
    if n == 0:
        return "not applicable", "no run has a revenue CAGR for both groups"
    cc, pc = cc[both], pc[both]
    if pc.mean() <= 0:
        return ("not applicable", f"product-centric revenue shrank (mean CAGR "
                f"{pc.mean():+.1%} a year over {n} run{'s' * (n > 1)}): a growth ratio needs "
                "both groups growing")
    pc_shrank = int((pc <= 0).sum())
    if pc_shrank:
        return ("inconclusive", f"product-centric revenue shrank in {pc_shrank} of {n} runs, "
                "where growth_ratio is undefined")
    cc_shrank = int((cc <= 0).sum())
    if cc_shrank == n:
        return "fails", "customer-centric revenue shrank in every run, product-centric grew"
    ratio = cc[cc > 0] / pc[cc > 0]
    m, lo, hi = t_ci(ratio, confidence)
    level = f"{confidence:.0%}"
    if cc_shrank:
        if hi < CLAIM:
            return ("fails", f"upper {level} bound of growth_ratio {hi:.2f} < 2 where "
                    f"customer-centric revenue grew; it shrank in the other {cc_shrank} of "
                    f"{n} runs")
        return ("inconclusive", f"customer-centric revenue shrank in {cc_shrank} of {n} runs, "
                "where growth_ratio is undefined")
    if n < 2:
        return "inconclusive", f"one run (growth_ratio {m:.2f}): no interval from one seed"
    if lo >= CLAIM:
        return "holds", f"lower {level} bound of growth_ratio {lo:.2f} ≥ 2 ({n} runs)"
    if hi < CLAIM:
        return "fails", f"upper {level} bound of growth_ratio {hi:.2f} < 2 ({n} runs)"
    return "inconclusive", f"{level} CI of growth_ratio [{lo:.2f}, {hi:.2f}] contains 2 ({n} runs)"


def _undefined_reason(runs: pd.DataFrame, key: str) -> str:
    """The most common reason a KPI is undefined in these runs."""
    reasons = Counter(headline_reasons(row).get(key, "")
                      for row in runs.to_dict(orient="records"))
    reasons.pop("", None)
    return reasons.most_common(1)[0][0] if reasons else "undefined"


def headline_table(runs: pd.DataFrame, by: Sequence[str] | None = None,
                   confidence: float = 0.95) -> pd.DataFrame:
    """Mean and confidence interval over seeds of each headline KPI, and the 2:1 test.

    Args:
        runs: runs.parquet of a collected sweep (or any table with its columns); failed and
            incomplete runs are ignored.
        by: Grouping columns; default every swept key other than the seed
            (:func:`group_keys`), so no two settings are pooled.
        confidence: Coverage of the intervals (Student t over runs, :func:`.stats.t_ci`).

    Returns:
        One row per group: the grouping columns, ``runs`` (complete runs), ``seeds`` (distinct
        seeds), then for each KPI of :data:`HEADLINE` ``<kpi>_mean``, ``<kpi>_ci_low``,
        ``<kpi>_ci_high``, ``<kpi>_n`` (runs where it is defined) and ``<kpi>_note`` (why it
        is undefined in some or all runs, else empty), then ``two_to_one`` and
        ``two_to_one_reason``. Units are those of runs.parquet (:data:`sim.metrics.HEADLINE_UNITS`).
    """
    by = group_keys(runs) if by is None else list(by)
    missing = [c for c in by if c not in runs]
    if missing:
        raise KeyError(f"columns not in the table: {', '.join(missing)}")
    ok = _ok(runs)
    groups = ok.groupby(by, sort=True, dropna=False) if by else [((), ok)] if len(ok) else []
    rows = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, object] = dict(zip(by, key, strict=True))
        row["runs"] = len(g)
        row["seeds"] = int(g["seed"].nunique()) if "seed" in g else len(g)
        for kpi in HEADLINE:
            x = _col(g, kpi)
            m, lo, hi = t_ci(x, confidence)
            n = int(np.isfinite(x).sum())
            note = ""
            if n < len(g):
                note = (f"undefined in {len(g) - n} of {len(g)} runs: "
                        f"{_undefined_reason(g, kpi)}")
            row.update({f"{kpi}_mean": m, f"{kpi}_ci_low": lo, f"{kpi}_ci_high": hi,
                        f"{kpi}_n": n, f"{kpi}_note": note})
        row["two_to_one"], row["two_to_one_reason"] = two_to_one(g, confidence)
        rows.append(row)
    cols = [*by, "runs", "seeds",
            *[f"{k}_{s}" for k in HEADLINE for s in ("mean", "ci_low", "ci_high", "n", "note")],
            "two_to_one", "two_to_one_reason"]
    return pd.DataFrame(rows, columns=cols)


def _num(kpi: str, value: float) -> str:
    scale, fmt, _ = _SHOW[kpi]
    return fmt.format(value * scale) if np.isfinite(value) else "n/a"


def format_headline(table: pd.DataFrame, by: Sequence[str] | None = None,
                    confidence: float = 0.95) -> str:
    """The headline table as ``ccsim collect`` prints it: one block per setting.

    Args:
        table: :func:`headline_table`'s output.
        by: Its grouping columns (default: the columns before ``runs``).
        confidence: The coverage the table was made with (for the labels).
    """
    by = list(table.columns[:list(table.columns).index("runs")]) if by is None else list(by)
    level = f"{confidence:.0%}"
    lines = [f"headline over seeds: mean [{level} CI] per setting; customer-centric (cc) vs "
             "product-centric (pc) firms"]
    fixed = [k for k in by if table[k].nunique(dropna=False) == 1 and len(table) > 1]
    if fixed:
        lines.append("same in every setting: "
                     + ", ".join(f"{k}={table[k].iloc[0]}" for k in fixed))
    if table.empty:
        return "\n".join([*lines, "no complete run: nothing to summarise"])
    width = max(len(k) for k in HEADLINE)
    for _, row in table.iterrows():
        setting = ", ".join(f"{k}={row[k]}" for k in by if k not in fixed) or "all runs"
        lines.append(f"{setting} — {row['runs']} run(s), {row['seeds']} seed(s)")
        for kpi in HEADLINE:
            unit = _SHOW[kpi][2]
            n = int(row[f"{kpi}_n"])
            if n == 0:
                text = f"n/a: {row[f'{kpi}_note'].split(': ', 1)[-1]}"
            else:
                text = f"{_num(kpi, row[f'{kpi}_mean'])} "
                if np.isfinite(row[f"{kpi}_ci_low"]):
                    text += (f"[{_num(kpi, row[f'{kpi}_ci_low'])}, "
                             f"{_num(kpi, row[f'{kpi}_ci_high'])}] ")
                text += unit
                if row[f"{kpi}_note"]:
                    text += f" ({row[f'{kpi}_note']})"
            lines.append(f"  {kpi:<{width}}  {text}")
        market = (f"; the category grew {_num('market_cagr', row['market_cagr_mean'])}% a year"
                  if np.isfinite(row["market_cagr_mean"]) else "")
        lines.append(f"  {'2:1 test':<{width}}  {row['two_to_one']}: {row['two_to_one_reason']}"
                     + market)
    return "\n".join(lines)


def write_headline(folder: str | Path, runs: pd.DataFrame | None = None,
                   confidence: float = 0.95) -> tuple[dict[str, Path], str]:
    """Write ``headline.csv`` and ``headline.parquet`` beside a folder's ``runs.parquet``.

    Args:
        folder: Folder holding runs.parquet (written by ``ccsim collect``).
        runs: The runs table if already read (else read from ``folder``).
        confidence: Coverage of the intervals.

    Returns:
        The files written (``csv``, ``parquet``) and the text :func:`format_headline` prints.
    """
    from .. import io

    out = Path(folder)
    if runs is None:
        runs = io.read_parquet(out / "runs.parquet")
    table = headline_table(runs, confidence=confidence)
    files = {"csv": io.write_text(table.to_csv(index=False, float_format="%.6g"),
                                  out / "headline.csv"),
             "parquet": io.write_parquet(table, out / "headline.parquet")}
    return files, format_headline(table, group_keys(runs), confidence)
