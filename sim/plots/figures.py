"""``ccsim plot``: which figures apply, drawing them per setting, saving, and the command line."""

from __future__ import annotations

import argparse
import sys
import typing
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from .. import io
from ..cli_parser import OneLineParser, UsageError, check_out_dir
from .data import (
    MAX_SETTINGS,
    Results,
    _collect,
    constants_text,
    load_results,
    select,
    settings,
    too_many_settings,
)
from .headline import plot_headline
from .heatmap import plot_heatmap
from .kpis import plot_kpis
from .style import _RC, _figure
from .timeseries import plot_retention, plot_retention_rate, plot_revenue, plot_share

KINDS = ("share", "revenue", "kpis", "headline", "heatmap", "retention")
#: The most settings the headline figure puts side by side.
MAX_HEADLINE_SETTINGS = 12


def _limit(kind: str) -> int:
    return MAX_HEADLINE_SETTINGS if kind == "headline" else MAX_SETTINGS


def applicable_kinds(results: Results) -> list[str]:
    """The kinds of figure that can be drawn from ``results`` (the default of ``ccsim plot``).

    Kinds that would need more panels than allowed (:data:`~sim.plots.data.MAX_SETTINGS`
    settings) are left out; asked for by name they refuse, naming ``--where``.
    """
    kinds = []
    if results.timeseries is not None and not results.timeseries.empty:
        kinds += ["share", "revenue"]
    if results.firm_kpis is not None and not results.firm_kpis.empty:
        kinds.append("kpis")
    if results.runs is not None and not results.runs.empty:
        kinds.append("headline")
    if results.runs is not None and len(results.varied) == 2:
        kinds.append("heatmap")
    if results.timeseries is not None and "retention" in results.timeseries:
        kinds.append("retention")
    return [k for k in kinds if k == "heatmap" or too_many_settings(results, k, _limit(k)) is None]


def _facets(results: Results, kind: str) -> list[tuple[str, Results]]:
    why = too_many_settings(results, kind, _limit(kind))
    if why:
        raise ValueError(why)
    return settings(results)


def _panels(results: Results, kind: str, size: tuple[float, float],
            plot: typing.Callable[[Results, typing.Any], None]) -> Figure:
    """One panel per setting (rows), each titled with its setting; ``plot(subset, ax)``."""
    facets = _facets(results, kind)
    fig = _figure((size[0], size[1] * len(facets)))
    axes = fig.subplots(len(facets), 1, squeeze=False)[:, 0]
    for ax, (label, sub) in zip(axes, facets, strict=True):
        plot(sub, ax)
        if label:
            ax.set_title(f"{label}\n{ax.get_title()}")
    return fig


def draw(results: Results, kind: str, *, x: str | None = None, y: str | None = None,
         kpi: str = "growth_gap_points", by: str | None = None) -> Figure:
    """Draw one kind of figure for loaded results (without saving it).

    Sweep figures never average different settings: time series and KPIs get one panel per
    setting (every swept key but the seed), the headline one group per setting, and the
    heatmap refuses when a key other than its two axes varies. Run figures name the scenario,
    seed and market size.

    Raises:
        ValueError: If the kind does not apply to the results, its options are wrong, or the
            sweep has more settings than the figure shows (narrow with ``--where``).
    """
    ts, spy = results.timeseries, results.steps_per_year
    needs_ts = kind in ("share", "revenue", "retention")
    if needs_ts and (ts is None or ts.empty):
        raise ValueError(f"--kind {kind}: {results.path} has no timeseries")
    if kind == "share":
        fig = _panels(results, kind, (7.6, 3.9), lambda r, ax: plot_share(
            r.timeseries, ax, by=by, steps_per_year=spy))
    elif kind == "revenue":
        fig = _panels(results, kind, (7.6, 3.9), lambda r, ax: plot_revenue(
            r.timeseries, ax, by=by, steps_per_year=spy))
    elif kind == "kpis":
        if results.firm_kpis is None or results.firm_kpis.empty:
            raise ValueError(f"--kind kpis: {results.path} has no firm KPIs (firm_kpis.parquet)")
        facets = _facets(results, kind)
        fig = _figure((13.6, 3.7 * len(facets)))
        subfigs = fig.subfigures(len(facets), 1, squeeze=False)[:, 0]
        for sub_fig, (label, sub) in zip(subfigs, facets, strict=True):
            plot_kpis(sub.firm_kpis, sub_fig, groups=_group_rows(sub))
            if label:
                sub_fig.suptitle(f"{label}\n{sub_fig.get_suptitle()}", fontsize=10.5)
    elif kind == "headline":
        if results.runs is None:
            raise ValueError("--kind headline needs a sweep (means over seeds); "
                             f"{results.path} is a single run: its headline is in the table "
                             "`ccsim run` prints and in summary.json")
        n_set = len(_facets(results, kind))
        key_rows = (n_set + 1) // 2 if n_set > 1 else 0  # the settings' key, two to a row
        fig = _figure((15.0, 4.2 + 0.2 * key_rows + 0.3 * (key_rows > 0)))
        plot_headline(results.runs, results.varied, fig)
    elif kind == "heatmap":
        if results.runs is None:
            raise ValueError("--kind heatmap needs a collected sweep (runs.parquet); "
                             f"{results.path} is a single run")
        fig = _figure((6.6, 4.9))
        plot_heatmap(results.runs, x, y, kpi, fig.add_subplot())
    elif kind == "retention":
        if results.runs is None:
            fig = _figure((12.0, 3.9) if results.spells is not None else (7.6, 3.9))
            plot_retention(ts, results.spells, fig, by=by, steps_per_year=spy)
        else:
            fig = _panels(results, kind, (7.6, 3.9), lambda r, ax: plot_retention_rate(
                r.timeseries, ax, by=by, steps_per_year=spy))
    else:
        raise ValueError(f"--kind {kind}: unknown; kinds: {', '.join(KINDS)}")
    for extra in (results.label, constants_text(results, int(fig.get_figwidth() * 12))):
        if extra:
            top = fig.get_suptitle()
            fig.suptitle(f"{top}\n{extra}" if top else extra, fontsize=10.5)
    return fig


def _group_rows(results: Results):
    """Per-run group KPIs for the growth panel: runs.parquet rows, or the run's comparison."""
    import pandas as pd

    from ..metrics import strategy_comparison

    if results.runs is not None:
        return results.runs
    return pd.DataFrame([strategy_comparison(results.timeseries, results.steps_per_year)])


def make_figures(path: str | Path, kinds: Sequence[str] | None = None,
                 out: str | Path | None = None, formats: Sequence[str] = ("png", "pdf"), *,
                 x: str | None = None, y: str | None = None, kpi: str = "growth_gap_points",
                 by: str | None = None, where: Sequence[str] = (),
                 check_only: bool = False) -> list[Path]:
    """Draw and save figures for a run or sweep folder.

    Every figure is drawn in memory before anything is written (an uncollected sweep is
    collected only then), so a bad option writes nothing.

    Args:
        path: Run folder or sweep folder (an uncollected sweep is collected first).
        kinds: Kinds to draw (default: every kind that applies, see :func:`applicable_kinds`).
        out: Output folder (default ``PATH/figures``).
        formats: File formats (``png``, ``pdf``, ``svg``).
        x: Heatmap x parameter.
        y: Heatmap y parameter.
        kpi: Heatmap KPI (a runs.parquet column).
        by: ``"firm"`` or ``"strategy"`` for the time-series figures.
        where: ``KEY=VALUE`` conditions selecting sweep runs.
        check_only: Draw every figure to check the options, then write nothing (returns []).

    Returns:
        The files written, in order.

    Raises:
        FileNotFoundError: If ``path`` holds no results.
        ValueError: On a kind that does not apply, a bad option, or an unreadable or
            wrongly shaped file (:class:`~sim.plots.data.InputError`, naming the file).
    """
    import matplotlib

    formats = [f.strip().lower().lstrip(".") for f in formats if f.strip()]
    bad = [f for f in formats if f not in ("png", "pdf", "svg")]
    if bad or not formats:
        raise ValueError(f"--format {','.join(bad) or '(empty)'}: use png, pdf or svg")
    unknown = [k for k in kinds or () if k not in KINDS]
    if unknown:
        raise ValueError(f"--kind {unknown[0]}: unknown; kinds: {', '.join(KINDS)}")
    if by not in (None, "firm", "strategy"):
        raise ValueError(f"--by {by}: use firm or strategy")
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise ValueError(f"--out {out}: an existing file, not a folder")
    _check_heatmap_options(Path(path), x, y, kpi)
    # read into memory (an uncollected sweep too) and draw every figure before anything is
    # written, so a bad option refuses with nothing written (issue 22)
    results = select(load_results(path, collect="memory"), where)
    skipped: list[str] = []
    if kinds:
        todo = list(dict.fromkeys(kinds))
    else:
        todo = applicable_kinds(results)
        skipped = [k for k in KINDS if k not in todo and k != "heatmap"
                   and too_many_settings(results, k, _limit(k))]
        if not todo:
            raise ValueError(f"{results.path}: no figure applies")
    given = [f"{flag} {value}" for flag, value in (("--x", x), ("--y", y)) if value is not None]
    if kpi != "growth_gap_points":
        given.append(f"--kpi {kpi}")
    if given and "heatmap" not in todo:
        raise ValueError(f"{given[0]}: only for the heatmap, which is not drawn here (a sweep "
                         "of two parameters, or --kind heatmap)")
    out_dir = Path(out) if out is not None else results.path / "figures"
    try:
        check_out_dir(out_dir, "--out" if out is not None else "output folder")
    except UsageError as exc:
        raise ValueError(str(exc)) from None
    written: list[Path] = []
    with matplotlib.rc_context(_RC):
        # the heatmap first: its options (--x, --y, --kpi) are the likeliest to be refused
        drawn = {kind: draw(results, kind, x=x, y=y, kpi=kpi, by=by)
                 for kind in sorted(todo, key=lambda k: k != "heatmap")}
        figures = [(kind, drawn[kind]) for kind in todo]
        if check_only:
            return []
        if skipped:
            print(f"ccsim plot: skipped {', '.join(skipped)}: "
                  f"{too_many_settings(results, skipped[0], _limit(skipped[0]))}",
                  file=sys.stderr)
        if results.kind == "sweep" and not (results.path / "runs.parquet").exists():
            _collect(results.path)  # the sweep's tables, as `ccsim collect` writes them
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"--out {out_dir}: cannot create the folder "
                             f"({exc.strerror or exc})") from None
        for kind, fig in figures:
            stem = f"heatmap_{kpi}" if kind == "heatmap" else kind
            for fmt in formats:
                target = out_dir / f"{stem}.{fmt}"
                io._atomic(target, lambda p, fig=fig, fmt=fmt: fig.savefig(p, format=fmt))
                written.append(target)
    return written


def _swept_keys(p: Path) -> list[str] | None:
    """A sweep folder's swept keys, read without collecting it (None: not a readable sweep)."""
    from ..analysis.headline import swept_params

    if (p / "runs.parquet").is_file():
        import pandas as pd
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(p / "runs.parquet").names
        except (OSError, ValueError):  # load_results names the damaged file
            return None
        return swept_params(pd.DataFrame(columns=names))
    from ..results import run_info
    from ..sweep import job_dirs

    jobs = job_dirs(p) if p.is_dir() else []
    if not jobs:
        return None
    keys = list(run_info(jobs[0]).params)
    return keys if "seed" in keys else [*keys, "seed"]


def _check_heatmap_options(path: Path, x: str | None, y: str | None, kpi: str) -> None:
    """Refuse a heatmap option that cannot apply, before anything is collected or written."""
    from ..metrics import HEADLINE_UNITS
    from .heatmap import RUN_KPIS

    if kpi not in RUN_KPIS and kpi not in HEADLINE_UNITS:
        raise ValueError(f"--kpi {kpi}: not a run-level KPI; KPIs: {', '.join(RUN_KPIS)}")
    given = [(name, key) for name, key in (("--x", x), ("--y", y)) if key is not None]
    if not given:
        return
    keys = _swept_keys(path)
    if keys is None:
        return  # not a sweep (or not readable): load_results or the heatmap says why
    for name, key in given:
        if key not in keys:
            raise ValueError(f"{name} {key}: not a swept key of {path}; swept: "
                             f"{', '.join(keys) or 'nothing'}")


# ----------------------------------------------------------------------------------------------
# Command line


def _split(values: Sequence[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim plot`` argument parser."""
    p = OneLineParser(prog="ccsim plot", description="Standard figures from a saved run or a sweep "
                "(collected first if it is not); written to PATH/figures/ unless --out is "
                "given. Sweep figures show each setting (every swept key but the seed) apart, "
                "never averaged together.")
    p.add_argument("path", metavar="PATH", help="run folder or sweep folder")
    p.add_argument("--kind", action="append", metavar="K",
                   help=f"figure kind, repeatable or comma-separated: {', '.join(KINDS)} "
                        "(default: all that apply)")
    p.add_argument("--out", metavar="DIR", help="output folder (default PATH/figures)")
    p.add_argument("--format", default="png,pdf", help="comma-separated formats (default png,pdf)")
    p.add_argument("--x", metavar="KEY", help="heatmap: parameter on the x axis")
    p.add_argument("--y", metavar="KEY", help="heatmap: parameter on the y axis")
    p.add_argument("--kpi", default="growth_gap_points",
                   help="heatmap: run-level KPI (default growth_gap_points)")
    p.add_argument("--by", choices=("firm", "strategy"),
                   help="time series per firm or per strategy (default: firm for a run, strategy "
                        "for a sweep)")
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                   help="sweep: keep only runs with this swept value (repeatable)")
    return p


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim plot PATH [--kind K ...] [--out DIR] [--format png,pdf]``; prints the files.

    ``check_only``: check the options against the folder (drawing in memory), write nothing.
    """
    import matplotlib

    matplotlib.use("Agg")
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
        files = make_figures(args.path, _split(args.kind), args.out, _split([args.format]),
                             x=args.x, y=args.y, kpi=args.kpi, by=args.by, where=args.where,
                             check_only=check_only)
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except (UsageError, FileNotFoundError, ValueError, KeyError) as exc:
        msg = str(exc.args[0] if exc.args else exc).splitlines()[0]
        print(f"ccsim: error: {msg}", file=sys.stderr)
        return 2
    for f in files:
        print(f)
    return 0
