"""Calibration stage 1 (issue 13): where the NPS survey's cut-offs sit on the model's score.

``python experiments/calibration/nps.py`` reads ``search_space_nps.yaml`` (committed before the
search), runs every grid point not yet logged (each seed a plain run of the scenario), measures
the mean NPS over firms in the space's window, and appends one row per point to
``results/calibration/search/nps_points.csv``; ``--best`` prints the point nearest the published
value. The objective averages over firms and never reads the strategy comparison.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from search import grid, load_space, point_id  # noqa: E402

from sim import io  # noqa: E402
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


def overrides_of(space: dict, scenario: str, point: dict[str, float]) -> list[str]:
    """Hydra overrides of one point: scenario, size, fixed keys, the point."""
    fixed = [f"{k}={v}" for k, v in (space.get("fixed") or {}).items()]
    return [f"scenario={scenario}", f"market.n_customers={space['size']['n_customers']}",
            f"market.steps={space['size']['steps']}", *fixed,
            *(f"{k}={v}" for k, v in point.items())]


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
        tasks = [(overrides_of(space, scenario, point), s, window) for s in seeds]
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
    p = argparse.ArgumentParser(prog="nps.py", description=__doc__.split("\n")[0])
    p.add_argument("--space", type=Path, default=SPACE)
    p.add_argument("--log", type=Path, default=LOG)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--best", action="store_true")
    args = p.parse_args(argv)
    if args.best:
        points = pd.read_csv(args.log)
        b = points.loc[points["score"].idxmin()]
        print(b.to_string())
        print("overrides:", b["point"])
        return 0
    space = load_space(args.space)
    points = grid(space)
    done = set(pd.read_csv(args.log)["point"]) if args.log.exists() else set()
    todo = [pt for pt in points if point_id(pt) not in done]
    print(f"nps: {len(points)} grid points, {len(done)} logged, {len(todo)} to run", flush=True)
    for k, point in enumerate(todo, 1):
        row = evaluate(space, point, args.jobs)
        old = pd.read_csv(args.log) if args.log.exists() else pd.DataFrame()
        new = pd.concat([old, pd.DataFrame([row])], ignore_index=True)
        io.write_text(new.to_csv(index=False, float_format="%.6g"), args.log)
        lo, hi = space["target"]["range"]
        ok = all(lo <= row[f"{s}:nps"] <= hi for s in space["scenarios"])
        print(f"nps: {k}/{len(todo)} {row['point']}: "
              + ", ".join(f"{s} {row[f'{s}:nps']:+.1f}" for s in space["scenarios"])
              + (" (in range)" if ok else "") + f" ({row['seconds']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
