"""``ccsim replicate``: published field studies of the customer levers, re-run inside the model.

``ccsim replicate [STUDY ...] [--quick] [--seeds K] [--n-customers N] [--jobs N] [--out DIR]
[--force] [OVERRIDE ...]``; ``ccsim replicate --list`` names the studies and the published
figures each speaks to. No STUDY runs them all.

Each study (:mod:`sim.studies.replicate_designs`) re-runs a field study with its own design —
most with a treatment given to a random half of one firm's customers in one of two twin runs
on the same seed (ODD §7.19) — and prints the model's figure, the mean and 95 % Student-t
interval over seeds, beside the published figure and its band, with a status computed by
:func:`sim.analysis.field_evidence.verdict` (met / missed / cannot be produced).

Everything is checked before any model runs (``main(argv, check_only=True)`` stops there);
a bad value ends with one ``ccsim: error:`` line and exit status 2. Each study writes
``DIR/STUDY/runs.csv`` (one row per published figure and seed), ``summary.csv`` (one row per
published figure) and ``meta.json``, every table stamped with the model's git commit. ``DIR``
is ``results/replications`` (then the field-evidence tables of docs/results.md and the ODD
are regenerated from every study saved there), or with ``--quick`` a new folder under
``results/tmp/replications/``; a study folder that holds a replication is replaced only with
``--force``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..cli_parser import OneLineParser, integer
from .arguments import JOBS, CommandLineChecks, seeds
from .replicate_designs import DESIGNS, Design, Size

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["DEFAULT_OUT", "Plan", "build_parser", "main", "measure", "run", "summarise"]

DEFAULT_OUT = Path("results/replications")
#: Keys a study sets itself (refused as overrides).
SET_BY_STUDY = ("seed", "market.steps", "market.n_customers")


@dataclasses.dataclass
class Plan:
    """A checked command line: what to run, nothing written yet."""

    designs: list[Design]
    sizes: dict[str, Size]
    configs: dict[str, Any]
    overrides: list[str]
    out: Path
    jobs: int
    quick: bool


def build_parser() -> argparse.ArgumentParser:
    """The ``ccsim replicate`` argument parser."""
    p = OneLineParser(prog="ccsim replicate",
                      description="Re-run published field studies of the customer levers in "
                                  "the model (twin runs, a treatment on a random half of one "
                                  "firm's customers) and judge the model's figure, with its "
                                  "95% CI over seeds, against the published one.")
    p.add_argument("studies", nargs="*", metavar="STUDY|OVERRIDE",
                   help=f"studies to run (default: all of {', '.join(DESIGNS)}); arguments "
                        "with '=' are Hydra overrides of the market, e.g. "
                        "market.churn.proneness_sigma=0.5")
    p.add_argument("--list", action="store_true", help="name the studies and exit")
    p.add_argument("--quick", action="store_true",
                   help="tiny markets (400 customers), 2 seeds, short windows: a check, not a "
                        "measurement")
    p.add_argument("--seeds", type=seeds(), metavar="K",
                   help="seeds 0..K-1 (default 10; --quick 2)")
    p.add_argument("--n-customers", type=integer(50, 10**7, "customers"), metavar="N",
                   help="customers in each market (default 5,000; --quick 400)")
    p.add_argument("--jobs", type=JOBS, default=2, help="worker processes (default 2)")
    p.add_argument("--out", metavar="DIR",
                   help=f"output folder, one subfolder per study (default {DEFAULT_OUT}; "
                        "--quick: a new results/tmp/replications/studies_quick_<time>)")
    p.add_argument("--force", action="store_true",
                   help="replace a study folder that already holds a replication")
    return p


def _split(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(study names, overrides) from the positional arguments."""
    names = [a for a in args.studies if "=" not in a]
    overrides = [a for a in args.studies if "=" in a]
    bad = [n for n in names if n not in DESIGNS]
    if bad:
        raise ValueError(f"STUDY={bad[0]}: unknown study; allowed {', '.join(DESIGNS)}")
    return list(dict.fromkeys(names)) or list(DESIGNS), overrides


def default_out(quick: bool, now: float | None = None) -> Path:
    """``results/replications``, or a new ``results/tmp/replications/studies_quick_<time>``."""
    from .folders import new_study_folder

    return new_study_folder("replications", "studies", True, now) if quick else DEFAULT_OUT


def plan(args: argparse.Namespace) -> Plan:
    """Check every argument, configuration and output folder; nothing is written.

    Raises:
        ValueError, sim.config.ConfigError: a bad value (one line, exit 2).
    """
    from ..configure import load_config
    from .arguments import check_out, refuse_keys

    names, overrides = _split(args)
    refuse_keys(overrides, SET_BY_STUDY,
                "by --seeds, --n-customers and each study's design")
    out = check_out(args.out, default_out(args.quick))
    designs = [DESIGNS[n] for n in names]
    sizes, configs = {}, {}
    for d in designs:
        base = d.quick if args.quick else d.full
        size = dataclasses.replace(base, seeds=args.seeds or base.seeds,
                                   n_customers=args.n_customers or base.n_customers)
        sizes[d.name] = size
        configs[d.name] = load_config([*d.overrides, *overrides,
                                       f"market.n_customers={size.n_customers}",
                                       f"market.steps={size.burn_in + size.window}"])
        held = out / d.name
        if (held / "summary.csv").exists() and not args.force:
            where = f"--out={args.out}" if args.out else "output folder"
            raise ValueError(f"{where}: {held} holds a replication of {d.name}; --force "
                             "replaces it")
    return Plan(designs, sizes, configs, overrides, out, args.jobs, args.quick)


# ----------------------------------------------------------------------------------------------
# Running


def measure(name: str, cfg: Config, seed: int, size: Size) -> list[dict]:
    """One seed of one study (in a worker process): its rows, tagged with study and time."""
    from .parallel import prepare_worker

    prepare_worker()
    t0 = time.perf_counter()
    rows = DESIGNS[name].measure(cfg, seed, size)
    seconds = time.perf_counter() - t0
    return [{"study": name, **r, "seconds": seconds} for r in rows]


def summarise(runs: pd.DataFrame, design: Design, size: Size, cfg: Config,
              commit: str) -> pd.DataFrame:
    """One row per published figure: the model's mean and 95 % CI over seeds, the verdict."""
    from ..analysis.field_evidence import published, verdict
    from ..analysis.stats import t_ci

    out = []
    for row in design.rows:
        p = published(row)
        values = runs.loc[runs["row"] == row, "estimate"]
        mean, low, high = t_ci(values)
        status, reason = verdict(p, mean, low, high)
        out.append({
            "study": design.name, "row": row, "lever": p.lever, "source": p.source,
            "where": p.where, "published": p.figure, "rule": p.rule,
            "band_low": p.band[0] if p.band else float("nan"),
            "band_high": p.band[1] if p.band else float("nan"), "measure": p.measure,
            "scenario": cfg.name, "n_customers": size.n_customers,
            "n": int(values.notna().sum()), "mean": mean, "ci_low": low, "ci_high": high,
            "status": status, "reason": reason, "git_commit": commit})
    return pd.DataFrame(out)


def run(p: Plan, say: Any = None) -> dict[str, pd.DataFrame]:
    """Run every study of the plan; write its folder; the summaries by study."""
    from .. import io
    from ..runner import package_versions
    from .elasticities import git_commit
    from .parallel import run_tasks

    say = say or (lambda line: None)
    commit = git_commit()
    t0 = time.perf_counter()
    tasks = [(d.name, p.configs[d.name], s, p.sizes[d.name]) for d in p.designs
             for s in range(p.sizes[d.name].seeds)]

    def report(done: int, total: int, rows: list[dict], elapsed: float) -> None:
        say(f"replicate: {rows[0]['study']} seed {rows[0]['seed']} done ({done}/{total}, "
            f"{rows[0]['seconds']:.0f} s; {elapsed:.0f} s elapsed)")

    results = run_tasks(measure, tasks, p.jobs, report)
    runs = pd.DataFrame([r for rows in results for r in rows]).assign(git_commit=commit)
    summaries = {}
    for d in p.designs:
        mine = runs[runs["study"] == d.name].sort_values(["row", "seed"], kind="stable")
        summary = summarise(mine, d, p.sizes[d.name], p.configs[d.name], commit)
        folder = p.out / d.name
        io.write_text(mine.to_csv(index=False, float_format="%.8g"), folder / "runs.csv")
        io.write_text(summary.to_csv(index=False, float_format="%.8g"), folder / "summary.csv")
        io.write_json({"study": d.name, "title": d.title, "design": d.design,
                       "rows": list(d.rows), "size": dataclasses.asdict(p.sizes[d.name]),
                       "quick": p.quick, "overrides": [*d.overrides, *p.overrides],
                       "scenario": p.configs[d.name].name,
                       "seeds": list(range(p.sizes[d.name].seeds)), "git_commit": commit,
                       "versions": package_versions(),
                       "seconds": float(mine["seconds"].sum())}, folder / "meta.json")
        summaries[d.name] = summary
    say(f"replicate: {len(tasks)} runs in {time.perf_counter() - t0:.0f} s")
    return summaries


def format_summary(summary: pd.DataFrame) -> str:
    """The printed table of one study: model [95% CI], published (band), status and why."""
    from ..analysis.field_evidence import published

    lines = []
    for r in summary.itertuples():
        ci = f"{r.mean:+.3g} [{r.ci_low:+.3g}, {r.ci_high:+.3g}]"
        band = published(r.row).band_text()
        lines.append(f"  {r.row:<22} model {ci:<28} published: {r.published} ({band})")
        lines.append(f"  {'':<22} {r.status}: {r.reason}")
    return "\n".join(lines)


def write_docs(root: Path | None = None) -> list[Path]:
    """Regenerate the field-evidence blocks (docs/results.md, the ODD) from ``root``."""
    from ..analysis.field_evidence import load_summaries, table
    from ..analysis.generated_blocks import ROOT, home, rewrite_block

    body = table(load_summaries(root if root is not None else ROOT / DEFAULT_OUT))
    paths = []
    for block in ("field_evidence", "field_evidence_odd"):
        rewrite_block(home(block), block, body)
        paths.append(home(block))
    return paths


def main(argv: list[str] | None = None, check_only: bool = False) -> int:
    """``ccsim replicate``: prints each study's table and the folders written. Errors: exit 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    with CommandLineChecks() as checks:
        args = build_parser().parse_args(argv)
        if args.list:
            from ..analysis.field_evidence import published

            for d in DESIGNS.values():
                print(f"{d.name:<18} {d.title}")
                for row in d.rows:
                    print(f"{'':<18}   {row}: {published(row).source}")
            return 0
        checked = plan(args)
    if checks.status is not None:
        return checks.status
    if check_only:
        return 0
    summaries = run(checked, lambda line: print(line, file=sys.stderr, flush=True))
    for name, summary in summaries.items():
        print(f"{name}: {DESIGNS[name].title}")
        print(format_summary(summary))
    from ..analysis.generated_blocks import ROOT

    if not checked.quick and checked.out.resolve() == (ROOT / DEFAULT_OUT).resolve():
        for path in write_docs(checked.out):
            print(f"rewrote the field-evidence table in {path}")
    print(f"wrote {checked.out}")
    return 0
