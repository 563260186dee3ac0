"""The calibration search of issue 13: a grid over the committed search space, every point logged.

``python experiments/calibration/search.py`` reads ``experiments/calibration/search_space.yaml``
(committed before the search), and for every grid point not yet in the log measures, in each of
its scenarios, the elasticities of ``ccsim elasticities`` at the space's reduced size
(:func:`sim.studies.elasticities.run_study` and :func:`~sim.studies.elasticities.summarise`, the
same definition as the committed measurements), scores the point with
:func:`sim.analysis.calibration.score` (mean over firms; never the strategy comparison), and
appends one row to ``results/calibration/search/points.csv``. Re-running resumes: points already
logged are skipped. ``--best`` prints the best logged point and its overrides.

Options: ``--space FILE``, ``--log FILE``, ``--jobs N`` (worker processes, default 2),
``--limit N`` (at most N new points), ``--best``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from sim import io  # noqa: E402
from sim.analysis.calibration import measures, score, score_parts  # noqa: E402
from sim.configure import load_config  # noqa: E402
from sim.studies.elasticities import AFTER, BURN_IN, git_commit, run_study, summarise  # noqa: E402

SPACE = ROOT / "experiments" / "calibration" / "search_space.yaml"
LOG = ROOT / "results" / "calibration" / "search" / "points.csv"


def load_space(path: Path = SPACE) -> dict:
    """The search space as a dict (``size``, ``scenarios``, ``searched``, ``derived``, ``fixed``).

    ``size.budget`` (optional, default ``rule``): the changed firm's budget after the change, as
    ``ccsim elasticities --budget`` takes it.

    ``fixed`` (optional): overrides applied at every point, e.g. an earlier stage's choice.

    A searched key with a ``scenario`` entry is a premise of that scenario only: it is applied
    there and nowhere else.
    """
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def grid(space: dict) -> list[dict[str, float]]:
    """Every point of the full grid: searched key → value, plus the derived keys."""
    keys = list(space["searched"])
    points = []
    for values in itertools.product(*(space["searched"][k]["values"] for k in keys)):
        point = dict(zip(keys, (float(v) for v in values), strict=True))
        for key, d in (space.get("derived") or {}).items():
            point[key] = round(d["intercept"] + d["slope"] * (point[d["from"]] - d["at"]), 6)
        points.append(point)
    return points


def point_id(point: dict[str, float]) -> str:
    """A readable, stable name of a point (its overrides)."""
    return " ".join(f"{k}={v:g}" for k, v in point.items())


def scenario_overrides(space: dict, scenario: str, point: dict[str, float],
                       steps: int = BURN_IN + AFTER) -> list[str]:
    """The Hydra overrides of one point in one scenario at the space's size.

    ``steps``: the run's months (default: the elasticities' burn-in and windows).
    """
    only = {k: d["scenario"] for k, d in space["searched"].items() if d.get("scenario")}
    mine = {k: v for k, v in point.items() if only.get(k, scenario) == scenario}
    fixed = [f"{k}={v}" for k, v in (space.get("fixed") or {}).items()]
    return [f"scenario={scenario}", f"market.n_customers={space['size']['n_customers']}",
            f"market.steps={steps}", *fixed, *(f"{k}={v}" for k, v in mine.items())]


def write_frozen(space: dict, log: Path) -> None:
    """Each scenario's resolved market at the first grid point (the frozen values), as YAML.

    Beside the log: ``frozen_<scenario>.yaml`` for the default log ``points.csv``, else
    ``frozen_<log stem>_<scenario>.yaml``.
    """
    import dataclasses

    from omegaconf import OmegaConf

    first = grid(space)[0]
    for scenario in space["scenarios"]:
        cfg = load_config(scenario_overrides(space, scenario, first))
        text = OmegaConf.to_yaml(OmegaConf.create(dataclasses.asdict(cfg.market)))
        io.write_text(f"# the market of scenario={scenario} at the first grid point; searched and "
                      f"derived keys: {', '.join(first)}\n" + text,
                      log.parent / (f"frozen_{scenario}.yaml" if log.stem == "points"
                                    else f"frozen_{log.stem}_{scenario}.yaml"))


def evaluate(space: dict, point: dict[str, float], jobs: int) -> dict:
    """Measure one point in every scenario; return its log row."""
    seeds = list(range(int(space["size"]["seeds"])))
    levers = list(space["size"]["levers"])
    budget = space["size"].get("budget", "rule")
    row: dict = {"point": point_id(point), **point}
    found: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    for scenario in space["scenarios"]:
        cfg = load_config(scenario_overrides(space, scenario, point))
        summary = summarise(run_study(cfg, seeds, levers, jobs, budget=budget))
        found[scenario] = measures(summary)
        for name, value in found[scenario].items():
            row[f"{scenario}:{name}"] = value
    for name, value in score_parts(found).items():
        row[f"loss:{name}"] = value
    row["score"] = score(found)
    row["n_customers"] = space["size"]["n_customers"]
    row["seeds"] = len(seeds)
    row["budget"] = budget
    row["seconds"] = round(time.perf_counter() - t0, 1)
    row["git_commit"] = git_commit()
    return row


def best(log: Path = LOG) -> pd.Series:
    """The logged point with the lowest score."""
    points = pd.read_csv(log)
    return points.loc[points["score"].idxmin()]


def parser(prog: str, description: str, space: Path, log: Path) -> argparse.ArgumentParser:
    """The options every calibration stage's script takes: --space, --log, --jobs, --best."""
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--space", type=Path, default=space)
    p.add_argument("--log", type=Path, default=log)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--best", action="store_true")
    return p


def print_best(log: Path) -> int:
    """Print the best logged point and its overrides (``--best``); exit status 0."""
    b = best(log)
    print(b.to_string())
    print("overrides:", b["point"])
    return 0


def pending(space: dict, log: Path) -> tuple[list[dict[str, float]], set[str], list[dict]]:
    """The grid, the point ids already logged, and the points still to run, in grid order."""
    points = grid(space)
    done = set(pd.read_csv(log)["point"]) if log.exists() else set()
    return points, done, [pt for pt in points if point_id(pt) not in done]


def append_row(log: Path, row: dict) -> None:
    """Append one point's row to the log (rewritten whole, atomically)."""
    old = pd.read_csv(log) if log.exists() else pd.DataFrame()
    new = pd.concat([old, pd.DataFrame([row])], ignore_index=True)
    io.write_text(new.to_csv(index=False, float_format="%.6g"), log)


def main(argv: list[str] | None = None) -> int:
    """Run the missing grid points (or print the best one with ``--best``)."""
    p = parser("search.py", __doc__.split("\n")[0], SPACE, LOG)
    p.add_argument("--limit", type=int, default=None)
    args = p.parse_args(argv)
    if args.best:
        return print_best(args.log)
    space = load_space(args.space)
    points, done, todo = pending(space, args.log)
    if args.limit is not None:
        todo = todo[:args.limit]
    write_frozen(space, args.log)
    print(f"search: {len(points)} grid points, {len(done)} logged, {len(todo)} to run",
          flush=True)
    for k, point in enumerate(todo, 1):
        row = evaluate(space, point, args.jobs)
        append_row(args.log, row)
        print(f"search: {k}/{len(todo)} {row['point']}: score {row['score']:.3f} "
              f"({row['seconds']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
