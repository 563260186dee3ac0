"""Run one configured market end to end: model → tables → files, with a progress bar.

This is the layer between a validated :class:`~sim.config.Config` and the disk. Hydra's task
function (``sim.cli``) calls :func:`run`; so can notebooks and tests, with or without a folder.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import platform
import sys
import textwrap
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
import yaml

from . import fingerprint, io
from .config import Config
from .folders import prepare_run_folder
from .footprint import check_memory
from .metrics import firm_kpis, headline_reasons, strategy_comparison
from .model import MarketModel
from .samples import network_sample

#: PyYAML's libyaml emitter when installed (the same text as its Python one, faster).
_SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
#: Files a complete run folder holds; ``summary.json`` is written last (the completion marker).
RUN_FILES = ("timeseries.parquet", "spells.parquet", "config.yaml", "summary.json")


@dataclass
class RunResult:
    """What one run produced: the per-firm timeseries, spells, KPIs, the summary and its config."""

    timeseries: pd.DataFrame
    spells: pd.DataFrame | None
    kpis: pd.DataFrame
    summary: dict
    config: Config | None = None


def config_yaml(cfg: Config) -> str:
    """The resolved configuration as YAML (saved as each run's ``config.yaml``).

    The same text as ``OmegaConf.to_yaml(OmegaConf.structured(cfg))`` (Enums by name, keys in
    schema order), written with PyYAML directly (its libyaml emitter when installed, the same
    text in a third of the time): about thirty times faster, which matters for sweeps of short
    jobs.
    """
    return yaml.dump(_yaml_plain(dataclasses.asdict(cfg)), Dumper=_SAFE_DUMPER, sort_keys=False,
                     allow_unicode=True, default_flow_style=False)


def _yaml_plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _yaml_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_yaml_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.name
    return value


def config_hash(cfg: Config) -> str:
    """sha256 of what in the configuration changes results (``sim.fingerprint``).

    Display-only keys (``output.progress``, ``output.print_table``) are left out, so changing
    one never re-runs a finished sweep job.
    """
    return fingerprint.config_hash(cfg)


@functools.cache  # once per process: a sweep worker runs many jobs
def _versions() -> tuple[tuple[str, str], ...]:
    out = [("python", platform.python_version())]
    for pkg in ("ccsim", "mesa", "numpy", "numba", "pandas", "pyarrow", "hydra-core", "networkx"):
        try:
            out.append((pkg, version(pkg)))
        except PackageNotFoundError:
            out.append((pkg, "unknown"))
    return tuple(out)


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a run's numbers depend on."""
    return dict(_versions())


def simulate(cfg: Config, progress: bool | None = None) -> MarketModel:
    """Build the model and run all its steps; the bar appears only if the run takes > 2 s."""
    show = cfg.output.progress if progress is None else progress
    model = MarketModel(cfg)
    bar = _tqdm()(total=cfg.market.steps, desc=f"{cfg.name} seed={cfg.seed}", unit="step",
               delay=2.0, disable=True if not show else None,  # None: only on a terminal
               file=sys.stderr, leave=False)
    with bar:
        for _ in range(cfg.market.steps):
            model.step()
            bar.update(1)
    return model


def _tqdm() -> type:
    """The progress bar class: tqdm's notebook one in a Jupyter kernel, its plain one elsewhere.

    ``tqdm.auto`` chooses the same way, but importing it imports ``asyncio`` too (about 10 ms
    of every run).
    """
    if "ipykernel" in sys.modules:
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm


#: The completion marker: present only when every other file of the run is complete.
MARKER = RUN_FILES[-1]


def run(cfg: Config, out_dir: str | Path | None = None, progress: bool | None = None) -> RunResult:
    """Simulate ``cfg``; if ``out_dir`` is given, write its files there (summary.json last).

    ``out_dir`` must be new, empty or a run folder already (:mod:`sim.folders`: ccsim writes
    its marker ``.ccsim-run`` into it first). A folder that already holds a run loses its
    ``summary.json`` before anything else happens, so a run killed half-way never leaves an old
    marker vouching for new files; temp files of earlier killed writes are removed too.

    Raises:
        ConfigError: the run would not fit in the memory available (:mod:`sim.footprint`).
        sim.folders.FolderError: ``out_dir`` holds files that are not a ccsim run.
    """
    check_memory([cfg])
    if out_dir is not None:
        prepare_run_folder(out_dir)  # refuses a folder of someone else's files; marks it ccsim's
        (Path(out_dir) / MARKER).unlink(missing_ok=True)
        io.remove_leftovers(out_dir)
    t0 = time.perf_counter()
    model = simulate(cfg, progress)
    elapsed = time.perf_counter() - t0
    ts = model.timeseries()
    spells = model.spells_table() if cfg.output.spells else None
    spy = cfg.market.steps_per_year
    kpis = firm_kpis(ts, spy)
    summary = {
        "name": cfg.name,
        "seed": cfg.seed,
        "n_customers": cfg.market.n_customers,
        "steps": cfg.market.steps,
        "steps_per_year": spy,
        "config_hash": config_hash(cfg),
        "versions": package_versions(),
        "comparison": strategy_comparison(ts, spy),
        "firms": kpis.set_index("firm").to_dict(orient="index"),
        "runtime": {"seconds": elapsed, "customer_steps_per_second":
                    cfg.market.n_customers * cfg.market.steps / elapsed if elapsed > 0 else None},
    }
    if out_dir is not None:
        out = Path(out_dir)
        io.write_parquet(ts, out / "timeseries.parquet")
        if spells is not None:
            io.write_parquet(spells, out / "spells.parquet")
        if cfg.output.network_sample:  # the dashboard's replay; left out of experiments' sweeps
            io.write_parquet(network_sample(model), out / "network_sample.parquet")
        io.write_text(config_yaml(cfg), out / "config.yaml")
        io.write_json(summary, out / MARKER)
    return RunResult(ts, spells, kpis, summary, cfg)


#: The KPI table's columns: KPI column → (header, format). Units and windows: :func:`_legend`.
_OUTCOME_COLUMNS = {
    "firm": ("firm", "{}"), "strategy": ("strategy", "{}"),
    "total_revenue": ("revenue", "{:,.0f}"), "total_profit": ("profit", "{:,.0f}"),
    "revenue_cagr": ("rev CAGR/yr", "{:+.1%}"), "mean_margin": ("margin", "{:+.1%}"),
    "annual_retention": ("retention/yr", "{:.1%}"), "final_share": ("rev share", "{:.1%}"),
    "nps": ("NPS", "{:+.0f}"), "mean_clv": ("CLV", "{:,.0f}"),
}
_CUSTOMER_COLUMNS = {
    "firm": ("firm", "{}"), "start_relationships": ("at start", "{:,}"),
    "acq_initial": ("acq known", "{:,}"), "acq_ads": ("acq ads", "{:,}"),
    "acq_wom": ("acq WoM", "{:,}"), "acq_search": ("acq search", "{:,}"),
    "acq_cross_sell": ("acq x-sell", "{:,}"), "final_customers": ("customers at end", "{:,}"),
}


def format_table(result: RunResult) -> str:
    """The per-firm KPI tables and the headline, as ``ccsim run`` prints them.

    Two tables (outcomes; customers won) each followed by what its columns measure, in which
    unit and over which window, then the headline of :func:`sim.metrics.strategy_comparison`.
    A figure that is not defined reads ``n/a: why``.
    """
    k = result.kpis
    lines = [_table(k, _OUTCOME_COLUMNS), *_legend(result, "outcomes"), "",
             _table(k, _CUSTOMER_COLUMNS), *_legend(result, "customers"), ""]
    lines += format_headline(result.summary["comparison"])
    return "\n".join(lines)


def _table(k: pd.DataFrame, cols: dict[str, tuple[str, str]]) -> str:
    present = {c: v for c, v in cols.items() if c in k}
    return pd.DataFrame({label: [_fmt(fmt, v) for v in k[col]]
                         for col, (label, fmt) in present.items()}).to_string(index=False)


def _steps(result: RunResult) -> tuple[int, int]:
    """Steps run and steps per year: from the summary, else from the timeseries (live views)."""
    summary, ts = result.summary, result.timeseries
    steps = summary.get("steps")
    if steps is None:
        steps = int(ts["step"].max()) if ts is not None and len(ts) else 0
    spy = summary.get("steps_per_year")
    if spy is None:
        spy = (int(ts.groupby("year")["step"].nunique().max())
               if ts is not None and len(ts) and "year" in ts else 12)
    return int(steps), int(spy)


def _windows(result: RunResult) -> tuple[str, str]:
    """The whole run and its last year, in words (``"36 months"``, ``"last 12 months"``)."""
    steps, spy = _steps(result)
    unit = "month" if spy == 12 else "step"
    whole = f"{steps} {unit}{'s' if steps != 1 else ''}"
    last = min(steps, spy)
    return whole, f"last {last} {unit}{'s' if last != 1 else ''}"


def _legend(result: RunResult, which: str) -> list[str]:
    """What the columns of one table measure, in which unit, over which window (wrapped)."""
    whole, last_year = _windows(result)
    steps, spy = _steps(result)
    if which == "outcomes":
        cfg = result.config
        rate = (f"{cfg.market.economics.discount_rate:.0%} a year" if cfg is not None
                else "market.economics.discount_rate")
        span = ("first year to last year" if steps >= 2 * spy
                else "first step to last step, annualised")
        text = (f"revenue, profit: money over the whole run ({whole}). rev CAGR/yr: revenue "
                f"growth a year, {span}. margin: profit ÷ revenue over the run. retention/yr: "
                "relationships kept a year at the run's mean rate. rev share: share of market "
                f"revenue in the last step. NPS: % promoters − % detractors, mean of the "
                f"{last_year}. CLV: money per customer relationship, future margins discounted "
                f"at {rate}, mean of the {last_year}.")
    else:
        text = ("Relationships (customer × category). at start: held before the first step, "
                f"not acquisitions. acq: won over the whole run ({whole}), by the channel "
                "through which the customer first learnt of the firm (known: aware from the "
                "start; WoM: also a referral by contacts; x-sell: a triggered cross-sell "
                "offer). customers at end: distinct "
                "customers in the last step.")
    return textwrap.wrap(text, width=100)


def format_headline(comparison: dict) -> list[str]:
    """The headline lines of one run: group CAGRs, gaps and ratios, each with its unit.

    An undefined figure reads ``n/a: why`` (:func:`sim.metrics.headline_reasons`).
    """
    c = comparison
    why = headline_reasons(c)

    def val(key: str, fmt: str, note: str = "") -> str:
        return f"n/a: {why[key]}" if key in why else _fmt(fmt, c[key]) + note

    n_cc, n_pc = int(c.get("customer_centric_firms", 0)), int(c.get("product_centric_firms", 0))
    multiples = (f" (last-year ÷ first-year revenue: "
                 f"{_fmt('{:.2f}', c.get('customer_centric_revenue_multiple'))} vs "
                 f"{_fmt('{:.2f}', c.get('product_centric_revenue_multiple'))})")
    margins = (f" percentage points (profit margin "
               f"{_fmt('{:.1%}', c.get('customer_centric_margin'))} vs "
               f"{_fmt('{:.1%}', c.get('product_centric_margin'))})")
    return [
        f"headline: {n_cc} customer-centric vs {n_pc} product-centric firm(s), revenue and "
        "profit pooled per group",
        "(one run; means and 95% CIs over seeds and the 2:1 test: `ccsim collect` on a sweep)",
        "  revenue CAGR            customer-centric "
        f"{val('customer_centric_revenue_cagr', '{:+.1%}', ' a year')}, product-centric "
        f"{val('product_centric_revenue_cagr', '{:+.1%}', ' a year')}",
        "  growth_gap_points       "
        + val("growth_gap_points", "{:+.1f}", " percentage points a year (CAGR difference)"),
        "  revenue_multiple_ratio  " + val("revenue_multiple_ratio", "{:.2f}", multiples),
        "  growth_ratio            "
        + val("growth_ratio", "{:.2f}", " (CAGR ÷ CAGR; the essays claim about 2)"),
        "  margin_gap_points       " + val("margin_gap_points", "{:+.1f}", margins),
        "  market_cagr             "
        + val("market_cagr", "{:+.1%}", " a year (all firms' revenue: the category's growth)"),
        "  share_gain_points       "
        + val("share_gain_points", "{:+.2f}",
              " percentage points a year (cc share of all firms' revenue)"),
        "  category_part           cc "
        f"{val('customer_centric_category_part', '{:.2f}')}, pc "
        f"{val('product_centric_category_part', '{:.2f}')} (ln(1 + market CAGR) ÷ "
        "ln(1 + group CAGR))",
    ]


def _fmt(fmt: str, value: object) -> str:
    try:
        if isinstance(value, float) and value != value:
            return "n/a"
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)
