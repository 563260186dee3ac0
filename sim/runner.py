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
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
import yaml
from tqdm.auto import tqdm

from . import fingerprint, io
from .config import Config
from .metrics import firm_kpis, strategy_comparison
from .model import MarketModel

#: Files a complete run folder holds; ``summary.json`` is written last (the completion marker).
RUN_FILES = ("timeseries.parquet", "spells.parquet", "config.yaml", "summary.json")


@dataclass
class RunResult:
    """What one run produced: the per-firm timeseries, spells, KPIs and the summary."""

    timeseries: pd.DataFrame
    spells: pd.DataFrame | None
    kpis: pd.DataFrame
    summary: dict


def config_yaml(cfg: Config) -> str:
    """The resolved configuration as YAML (saved as each run's ``config.yaml``).

    The same text as ``OmegaConf.to_yaml(OmegaConf.structured(cfg))`` (Enums by name, keys in
    schema order), written with PyYAML directly: about ten times faster, which matters for
    sweeps of short jobs.
    """
    return yaml.safe_dump(_yaml_plain(dataclasses.asdict(cfg)), sort_keys=False,
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
    bar = tqdm(total=cfg.market.steps, desc=f"{cfg.name} seed={cfg.seed}", unit="step",
               delay=2.0, disable=True if not show else None,  # None: only on a terminal
               file=sys.stderr, leave=False)
    with bar:
        for _ in range(cfg.market.steps):
            model.step()
            bar.update(1)
    return model


def run(cfg: Config, out_dir: str | Path | None = None, progress: bool | None = None) -> RunResult:
    """Simulate ``cfg``; if ``out_dir`` is given, write its files there (summary.json last)."""
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
        io.write_text(config_yaml(cfg), out / "config.yaml")
        io.write_json(summary, out / "summary.json")
    return RunResult(ts, spells, kpis, summary)


def format_table(result: RunResult) -> str:
    """The per-firm KPI table and the strategy comparison, as ``ccsim run`` prints them."""
    k = result.kpis
    cols = {
        "firm": ("firm", "{}"), "strategy": ("strategy", "{}"),
        "revenue_cagr": ("rev CAGR", "{:+.1%}"), "mean_margin": ("margin", "{:+.1%}"),
        "annual_retention": ("retention/yr", "{:.1%}"), "final_share": ("share", "{:.1%}"),
        "nps": ("NPS", "{:+.0f}"), "mean_clv": ("CLV", "{:,.0f}"),
        "acq_ads": ("acq ads", "{:,}"), "acq_wom": ("acq WoM", "{:,}"),
        "acq_search": ("acq search", "{:,}"), "acq_cross_sell": ("acq x-sell", "{:,}"),
    }
    table = pd.DataFrame({label: [_fmt(fmt, v) for v in k[col]]
                          for col, (label, fmt) in cols.items()})
    c = result.summary["comparison"]
    lines = [table.to_string(index=False), ""]
    lines.append(
        f"customer-centric ÷ product-centric revenue growth: {_fmt('{:.2f}', c['growth_ratio'])}"
        f"  (CAGR {_fmt('{:+.1%}', c['customer_centric_revenue_cagr'])} vs "
        f"{_fmt('{:+.1%}', c['product_centric_revenue_cagr'])})")
    lines.append(f"margin gap (customer-centric − product-centric): "
                 f"{_fmt('{:+.1f}', c['margin_gap_points'])} points")
    return "\n".join(lines)


def _fmt(fmt: str, value: object) -> str:
    try:
        if isinstance(value, float) and value != value:
            return "n/a"
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)
