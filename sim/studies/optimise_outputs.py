"""What ``ccsim optimise`` writes into its folder, and in what order.

Tables (Parquet, each column in the data dictionary, ``ccsim columns optimise_trials``...):

* ``trials.parquet``: every trial — its decision, mean measures on the search's seeds, the
  objective per seed, state, time, git commit (and round and firm with ``--rivals respond``);
* ``evaluation.parquet``: the chosen decisions, the plan and the presets (or the presets'
  contest and where the responses ended) on the fresh seeds: one row per profile, seed, firm;
* ``summary.parquet``: means with 95% intervals per profile, firm and measure, and the gaps to
  the reference profiles paired by seed (:func:`sim.analysis.optimise.profile_summary`);
* ``decisions.parquet``: each profile's decisions, their score on the search's seeds, their mean
  on fresh seeds and the difference (the search's optimism);
* ``rounds.parquet`` (``--rivals respond``): each round's decision per firm and how far it moved.

Then ``meta.json`` (settings, seeds, sizes, the git commit, versions), ``report.md``
(:mod:`sim.analysis.optimise_report`) and the figures (:mod:`sim.plots.optimise`), both drawn
from the saved tables. The journal ``search.journal`` is the searches' log.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .optimise_run import OBJECTIVES, Outcome
from .optimise_space import flat

if TYPE_CHECKING:
    from .optimise import Plan

__all__ = ["decisions_table", "write_outputs"]


def decisions_table(outcome: Outcome, evaluation: pd.DataFrame, objective: str) -> pd.DataFrame:
    """One row per profile and firm: the decision, its search score and fresh-seed mean."""
    from ..analysis.optimise import optimism

    rows = []
    for profile, firms in outcome.decisions.items():
        for firm, decision in firms.items():
            fresh = evaluation[(evaluation["profile"] == profile)
                               & (evaluation["firm"] == firm)][objective]
            score = outcome.scores.get((profile, firm), float("nan"))
            rows.append({"profile": profile, "firm": firm, **flat(decision),
                         **optimism(score, fresh.to_numpy(dtype=float))})
    return pd.DataFrame(rows)


def write_outputs(p: Plan, outcome: Outcome, evaluation: pd.DataFrame, commit: str,
                  seconds: float) -> dict[str, Path]:
    """Write every table, ``meta.json``, ``report.md`` and the figures; the files by name."""
    from .. import io
    from ..analysis.optimise import profile_summary, round_changes
    from ..analysis.optimise_report import write_report
    from ..plots.optimise import save_figures
    from ..runner import package_versions
    from .fit import _version
    from .optimise_respond import SHARE_COLUMNS

    out = p.out
    files: dict[str, Path] = {}
    tables = {"trials": outcome.trials, "evaluation": evaluation,
              "summary": profile_summary(evaluation, outcome.references),
              "decisions": decisions_table(outcome, evaluation, p.objective)}
    if outcome.rounds is not None:
        tables["rounds"] = round_changes(outcome.rounds, SHARE_COLUMNS)
    for name, df in tables.items():
        files[name] = io.write_parquet(df, out / f"{name}.parquet", table=f"optimise_{name}")
    states = outcome.trials["state"].value_counts().to_dict()
    files["meta"] = io.write_json({
        "firm": p.firm, "rivals": p.rivals, "firms": list(p.cfg.firms), "order": p.order,
        "objective": p.objective, "objective_meaning": OBJECTIVES[p.objective],
        "growth_floor": p.growth_floor, "horizon": p.horizon, "steps": p.cfg.market.steps,
        "steps_per_year": p.cfg.market.steps_per_year,
        "n_customers": p.cfg.market.n_customers, "scenario": p.cfg.name,
        "overrides": p.overrides, "quick": p.quick, "space": _space(p),
        "sampler": p.sampler, "trials": p.trials, "rounds": p.rounds,
        "seeds": p.seed_list(), "fresh_seeds": p.fresh_list(),
        "trial_states": {str(k): int(v) for k, v in states.items()},
        "settled": outcome.settled, "references": outcome.references,
        "git_commit": commit,
        "versions": {**package_versions(), "optuna": _version("optuna"),
                     "cmaes": _version("cmaes")},
        "seconds": seconds,
    }, out / "meta.json")
    files["report"] = write_report(out)
    files.update(save_figures(out))
    return files


def _space(p: Plan) -> dict[str, Any]:
    d = dataclasses.asdict(p.space)
    d["ranges"] = {k: [lo, hi] for k, lo, hi in p.space.ranges}
    d["simplex"] = "normalised -log U (u_<lever> in [1e-4, 1], share = -ln u / sum)"
    return d
