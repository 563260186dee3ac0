"""Calibration, second round, first stage (issue 13): the NPS cut-offs on the model's score.

``python experiments/calibration/nps.py`` reads ``search_space_nps.yaml`` (committed before the
search), runs every grid point not yet logged (each seed a plain run of the scenario), measures
the mean NPS over firms in the space's window, and appends one row per point to
``results/calibration/search/nps_points.csv``; ``--best`` prints the point nearest the published
value. The objective averages over firms and never reads the strategy comparison.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from search import (  # noqa: E402
    append_row,
    load_space,
    parser,
    pending,
    point_id,
    print_best,
    scenario_overrides,
)

from sim.analysis.stats import summarise  # noqa: E402
from sim.configure import load_config  # noqa: E402
from sim.studies.elasticities import git_commit  # noqa: E402

SPACE = ROOT / "experiments" / "calibration" / "search_space_nps.yaml"
LOG = ROOT / "results" / "calibration" / "search" / "nps_points.csv"


def mean_nps(overrides: list[str], seed: int, window: tuple[int, int]) -> float:
    """Mean over firms of each month's NPS in ``window`` (inclusive), one run (a worker task)."""
    from sim.runner import simulate
    from sim.studies.parallel import prepare_worker

    prepare_worker()
    cfg = load_config([*overrides, f"seed={seed}"])
    ts = simulate(cfg, progress=False).timeseries()
    w = ts[(ts["step"] >= window[0]) & (ts["step"] <= window[1])]
    return float(w.groupby("step")["nps"].mean().mean())


def evaluate(space: dict, point: dict[str, float], jobs: int) -> dict:
    """One log row: the point, its mean NPS per scenario with a 95% CI over seeds, the loss."""
    from sim.studies.parallel import run_tasks

    t0 = time.perf_counter()
    seeds = range(int(space["size"]["seeds"]))
    window = tuple(space["size"]["window"])
    target = space["target"]
    row: dict = {"point": point_id(point), **point}
    loss = 0.0
    for scenario in space["scenarios"]:
        overrides = scenario_overrides(space, scenario, point, steps=space["size"]["steps"])
        tasks = [(overrides, s, window) for s in seeds]
        values = run_tasks(mean_nps, tasks, jobs)
        ci = summarise(pd.DataFrame({"nps": values}), by=[], values="nps").iloc[0]
        row[f"{scenario}:nps"] = ci["mean"]
        row[f"{scenario}:nps_lo"] = ci["ci_low"]
        row[f"{scenario}:nps_hi"] = ci["ci_high"]
        loss += (ci["mean"] - float(target["published"])) ** 2
    row["score"] = loss
    row["n_customers"] = space["size"]["n_customers"]
    row["seeds"] = len(seeds)
    row["seconds"] = round(time.perf_counter() - t0, 1)
    row["git_commit"] = git_commit()
    return row


def main(argv: list[str] | None = None) -> int:
    """Run the missing grid points, or print the best one with ``--best``."""
    args = parser("nps.py", __doc__.split("\n")[0], SPACE, LOG).parse_args(argv)
    if args.best:
        return print_best(args.log)
    space = load_space(args.space)
    points, done, todo = pending(space, args.log)
    print(f"nps: {len(points)} grid points, {len(done)} logged, {len(todo)} to run", flush=True)
    for k, point in enumerate(todo, 1):
        row = evaluate(space, point, args.jobs)
        append_row(args.log, row)
        lo, hi = space["target"]["range"]
        ok = all(lo <= row[f"{s}:nps"] <= hi for s in space["scenarios"])
        print(f"nps: {k}/{len(todo)} {row['point']}: "
              + ", ".join(f"{s} {row[f'{s}:nps']:+.1f}" for s in space["scenarios"])
              + (" (in range)" if ok else "") + f" ({row['seconds']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
