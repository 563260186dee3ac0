"""Running decisions: a market where firms take given decisions, the objectives, the search.

A seed of a market with each firm on its decision (:func:`simulate_run`), the score of a
candidate over the search's seeds (:class:`Score`), one firm's search (:func:`search`) and the
re-evaluation of whole profiles of decisions on fresh seeds (:func:`evaluate_profiles`).

Every candidate runs on the same seeds (common random numbers, :mod:`sim.studies.optuna_search`)
for the months of the horizon only: nothing in the model looks ahead (a run's first H months do
not depend on how long it goes on; ``tests/studies/test_optimise_space.py`` checks), so the
months after the horizon would be paid for and never read.

The objectives, per firm and seed, over months 1..H of the horizon:

* ``profit``: the firm's profit summed over the horizon (money; not discounted);
* ``revenue``: its revenue summed over the horizon (money);
* ``customer_equity``: its customer equity at month H (money: the model's CLV sum, the
  discounted expected contribution of the relationships it holds then).

Growth — a growth floor's constraint and the frontier's axis — is the firm's revenue CAGR from
the horizon's first full year to its last (``sim.metrics.cagr``; with fewer than two years, from
the first to the last month, annualised).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config
from .optimise_space import DecisionSpace, complete, flat, with_decisions
from .optuna_search import Evaluation

__all__ = ["FRESH_SEED_BASE", "MEASURES", "OBJECTIVES", "RESULT", "Outcome", "Score",
           "best_decision", "evaluate_profiles", "make_sampler", "search", "search_scores",
           "simulate_candidate", "simulate_run", "trials_frame"]

#: What ``--objective`` may maximise, with what it is.
OBJECTIVES: dict[str, str] = {
    "profit": "the firm's profit summed over the horizon (money, not discounted)",
    "revenue": "the firm's revenue summed over the horizon (money)",
    "customer_equity": "the firm's customer equity at the horizon's last month (money: the "
                       "model's CLV sum over the relationships it holds then)",
}
#: Per firm and seed: the objectives, growth, and the mean price it charged.
MEASURES = ("profit", "revenue", "customer_equity", "growth", "price")
#: The trial attribute holding a candidate's decision and mean measures (one dict).
RESULT = "result"
#: The trial attribute naming the start(s) a trial is (``plan``, ``plan+product_centric``).
START = "start"
#: The fresh seeds a best decision is re-evaluated on start here (the search uses 0..N−1).
FRESH_SEED_BASE = 10_000


def _firm_measures(g: pd.DataFrame, steps_per_year: int) -> dict[str, float]:
    from ..metrics import cagr

    g = g.sort_values("step")
    return {"profit": float(g["profit"].sum()), "revenue": float(g["revenue"].sum()),
            "customer_equity": float(g["customer_equity"].iloc[-1]),
            "growth": float(cagr(g["revenue"], steps_per_year)),
            "price": float(g["price"].where(g["price"] >= 0).mean())}


def simulate_run(cfg: Config, decisions: Mapping[str, Mapping[str, Any]], horizon: int,
                 seed: int) -> dict[str, Any]:
    """One seed of the market with each named firm on its (partial) decision, ``horizon`` months.

    Returns:
        ``{"firms": {name: {measure: value}}, "industry_profit": money summed over firms and
        months, "consumer_surplus": money per customer and month}`` (consumer surplus: the
        market table's per-category sums of the customers in the market, ODD §7.7, summed over
        categories and months and divided by customers × months).
    """
    from ..model import MarketModel

    run = with_decisions(cfg, decisions)
    run = dataclasses.replace(run, seed=int(seed),
                              output=dataclasses.replace(run.output, spells=False,
                                                         progress=False, print_table=False))
    model = MarketModel(run)
    for _ in range(horizon):
        model.step()
    ts = model.timeseries()
    per_year = run.market.steps_per_year
    firms = {str(name): _firm_measures(g, per_year) for name, g in ts.groupby("firm")}
    surplus = float(model.market_table()["consumer_surplus"].sum())
    return {"firms": firms, "industry_profit": float(ts["profit"].sum()),
            "consumer_surplus": surplus / (run.market.n_customers * horizon)}


def simulate_candidate(cfg: Config, firm: str, horizon: int, fixed: Mapping[str, Any],
                       decision: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """:func:`simulate_run` with ``firm`` on ``decision`` and the rivals on ``fixed``'s."""
    return simulate_run(cfg, {**fixed, firm: decision}, horizon, seed)


def _mean(values: Sequence[float]) -> float:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


@dataclass
class Outcome:
    """What a search (or the best responses) chose, before the fresh-seed re-evaluation.

    Attributes:
        trials: Every trial (:func:`trials_frame`), all studies stacked.
        profiles: Profile → firm → the decision it runs with (a firm not named runs as
            configured); re-evaluated on the fresh seeds.
        decisions: Profile → firm → its whole decision (for the decisions table).
        scores: (profile, firm) → the decision's mean objective on the search's own seeds.
        references: Profiles the gaps are measured from.
        rounds: The best responses' rounds (``--rivals respond``), else None.
        settled: :func:`sim.analysis.optimise.settling` of the rounds, else None.
    """

    trials: pd.DataFrame
    profiles: dict[str, dict[str, Any]]
    decisions: dict[str, dict[str, Any]]
    scores: dict[tuple[str, str], float]
    references: list[str]
    rounds: pd.DataFrame | None = None
    settled: dict[str, Any] | None = None


@dataclass(frozen=True)
class Score:
    """The score of one firm's candidate over the search's seeds (``score(params, results)``).

    Attributes:
        firm: The firm whose decision is searched.
        objective: One of :data:`OBJECTIVES` (the mean over seeds is maximised).
        base: The firm's whole configured decision (the parts not searched).
        growth_floor: Revenue CAGR (fraction / year) the mean over seeds must reach, or None.
        commit: The model's git commit, kept with every trial.
    """

    firm: str
    objective: str
    base: Mapping[str, Any]
    growth_floor: float | None = None
    commit: str = "unknown"

    def __call__(self, params: Mapping[str, Any], results: list[dict]) -> Evaluation:
        """The mean objective; the decision, mean measures and market totals as attributes."""
        mine = [r["firms"][self.firm] for r in results]
        per_seed = [m[self.objective] for m in mine]
        result: dict[str, Any] = {**flat(complete(self.base, params)),
                                  **{k: _mean([m[k] for m in mine]) for k in MEASURES},
                                  "industry_profit": _mean([r["industry_profit"]
                                                            for r in results]),
                                  "consumer_surplus": _mean([r["consumer_surplus"]
                                                             for r in results]),
                                  "git_commit": self.commit}
        constraints = None
        if self.growth_floor is not None:
            growth = result["growth"]
            # undefined growth (no revenue in the first year) cannot meet a floor
            slack = self.growth_floor - growth if math.isfinite(growth) else 1.0 + abs(
                self.growth_floor)
            constraints = {"growth_floor": slack}
            result["growth_slack"] = slack
        # one attribute, not one per column: each is a synced write to the journal
        return Evaluation(_mean(per_seed), per_seed, {RESULT: result}, constraints)


def make_sampler(kind: str, seed: int, constrained: bool) -> Any:
    """TPE (multivariate, grouped), CMA-ES (TPE for the rest), or random; seeded.

    Optuna's CMA-ES samples the continuous parameters every trial shares (the shares' u, the
    budget rate, a fixed policy's terms); a choice between policies and the terms only one
    policy has are drawn by its independent sampler, here TPE.

    Raises:
        sim.studies.optuna_search.SearchError: an unknown kind, or CMA-ES with a constraint.
    """
    import warnings

    import optuna

    from .optuna_search import make_sampler as named

    named(kind, seed, constrained)  # refuses what the helper refuses
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if kind == "tpe":
            return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
        if kind == "cmaes":
            return optuna.samplers.CmaEsSampler(
                seed=seed, warn_independent_sampling=False,
                independent_sampler=optuna.samplers.TPESampler(seed=seed + 1))
    return optuna.samplers.RandomSampler(seed=seed)


def search(*, storage: Path, study_name: str, space: DecisionSpace,
           simulate: Callable[[dict, int], Any], score: Score, seeds: Sequence[int],
           trials: int, sampler: str, sampler_seed: int = 0,
           starts: Sequence[tuple[str, Mapping[str, Any]]] = (),
           settings: Mapping[str, Any] | None = None, n_jobs: int = 1,
           progress: Callable[[str], None] | None = None) -> Any:
    """Run (or resume) one firm's search; return the Optuna study.

    Args:
        storage: The journal file (its folder must exist).
        study_name: The study's name in the journal.
        space: What is decided (``space(trial) -> decision``).
        simulate: ``simulate(decision, seed) -> result`` (picklable).
        score: The score of a candidate from its per-seed results.
        seeds: The seeds every candidate runs on (>= 5).
        trials: Finished trials wanted in total.
        sampler: ``tpe``, ``cmaes`` or ``random``.
        sampler_seed: The sampler's seed.
        starts: (label, whole decision) put first into a new study (the plan, the presets,
            a firm's last decision): the search never ends worse than the best of them on its
            own seeds. Decisions outside the space are left out.
        settings: What a resumed search must share with the saved one.
        n_jobs: Worker processes.
        progress: Called with one line per trial.
    """
    import optuna

    from .optuna_search import check_resumable, run_search

    constrained = score.growth_floor is not None
    full = {**(settings or {}), "objective": score.objective, "growth_floor": score.growth_floor,
            "sampler": sampler}
    finished = check_resumable(storage, study_name, {**full, "seeds": [int(s) for s in seeds],
                                                     "space": repr(space),
                                                     "direction": "maximize"})
    if finished is None and starts:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        from .optuna_search import _storage

        study = optuna.create_study(storage=_storage(storage), study_name=study_name,
                                    direction="maximize")
        labels: dict[str, list[str]] = {}  # one trial per point, named by every start at it
        points: dict[str, dict] = {}
        for label, decision in starts:
            params = space.params_for(decision)
            if params is not None:
                key = repr(sorted(params.items()))
                points.setdefault(key, params)
                labels.setdefault(key, []).append(label)
        for key, params in points.items():
            study.enqueue_trial(params, user_attrs={START: "+".join(labels[key])})
    # seeded here, never reseeded at random (the helper reseeds a sampler object when the study
    # has trials, and the starts are trials): a new search is the same search every time, and
    # a resumed one is seeded past the trials it has, so it does not propose its first
    # start's points again
    chosen = make_sampler(sampler, sampler_seed + _trials_so_far(storage, study_name),
                          constrained)
    chosen.reseed_rng = _keep_seed
    return run_search(storage=storage, study_name=study_name, space=space, simulate=simulate,
                      score=score, seeds=seeds, n_trials=trials, sampler=chosen,
                      constrained=constrained, direction="maximize", n_jobs=n_jobs,
                      settings=full, progress=progress)


def _keep_seed() -> None:
    """A sampler's ``reseed_rng`` that keeps the seed it was given (see :func:`search`)."""


def _trials_so_far(storage: Path, study_name: str) -> int:
    """Trials a study in ``storage`` has that did not wait in its queue (0 if none)."""
    from optuna.trial import TrialState

    from .optuna_search import _storage

    if not storage.exists():
        return 0
    store = _storage(storage)
    try:
        trials = store.get_all_trials(store.get_study_id_from_name(study_name), deepcopy=False)
    except KeyError:
        return 0
    return sum(t.state != TrialState.WAITING for t in trials)


def _profile_seed(cfg: Config, horizon: int, profile: str, decisions: Mapping[str, Any],
                  seed: int) -> list[dict]:
    """:func:`profile_rows` in a worker process (one Numba thread, quiet Mesa)."""
    from .parallel import prepare_worker

    prepare_worker()
    return profile_rows(cfg, horizon, profile, decisions, seed)


def evaluate_profiles(cfg: Config, profiles: Mapping[str, Mapping[str, Mapping[str, Any]]],
                      horizon: int, seeds: Sequence[int], n_jobs: int = 1,
                      progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Every profile (firm → decision) on every seed: one row per profile, seed and firm.

    Returns:
        Columns profile, seed, firm, :data:`MEASURES`, industry_profit, consumer_surplus;
        sorted by profile (in the given order), seed and firm.
    """
    from .parallel import run_tasks

    tasks = [(cfg, horizon, name, dict(decisions), int(s))
             for name, decisions in profiles.items() for s in seeds]

    def report(done: int, total: int, _row: Any, elapsed: float) -> None:
        if progress is not None and (done == total or done % max(1, total // 4) == 0):
            progress(f"fresh seeds: {done}/{total} runs ({elapsed:.0f} s)")

    if n_jobs <= 1:
        import time

        from .optuna_search import _one_numba_thread

        t0 = time.perf_counter()
        with _one_numba_thread():
            rows = []
            for k, task in enumerate(tasks, 1):
                rows.append(profile_rows(*task))
                report(k, len(tasks), None, time.perf_counter() - t0)
    else:
        rows = run_tasks(_profile_seed, tasks, n_jobs, report)
    df = pd.DataFrame([row for block in rows for row in block])
    order = {name: k for k, name in enumerate(profiles)}
    return df.sort_values(["profile", "seed", "firm"], key=lambda c: c.map(order)
                          if c.name == "profile" else c, kind="stable").reset_index(drop=True)


def profile_rows(cfg: Config, horizon: int, profile: str, decisions: Mapping[str, Any],
                 seed: int) -> list[dict]:
    """One seed of one profile: a row per firm, with the market's totals repeated."""
    r = simulate_run(cfg, decisions, horizon, seed)
    return [{"profile": profile, "seed": int(seed), "firm": name, **m,
             "industry_profit": r["industry_profit"], "consumer_surplus": r["consumer_surplus"]}
            for name, m in r["firms"].items()]


def trials_frame(study: Any, **labels: Any) -> pd.DataFrame:
    """Every trial of a study as one row: its result (decision and measures) as columns."""
    from .optuna_search import trials_table

    raw = trials_table(study)
    if RESULT in raw:
        result = pd.DataFrame([r if isinstance(r, dict) else {} for r in raw[RESULT]],
                              index=raw.index)
    else:
        result = pd.DataFrame(index=raw.index)
    keep = [c for c in raw.columns if c != RESULT and c not in result.columns]
    out = pd.concat([raw[keep], result], axis=1)
    for key, value in reversed(labels.items()):
        out.insert(0, key, value)
    if START not in out:
        out[START] = None
    return out


def best_decision(study: Any) -> dict[str, Any]:
    """The whole decision of a study's best feasible trial."""
    from .optimise_space import unflat

    try:
        return unflat(study.best_trial.user_attrs[RESULT])
    except ValueError:  # no feasible trial: the best of all, said so in the report
        done = [t for t in study.trials if t.state.name == "COMPLETE"]
        return unflat(max(done, key=lambda t: t.value).user_attrs[RESULT])


def search_scores(trials: pd.DataFrame, best_number: int) -> dict[str, float]:
    """The in-sample score of the best trial and of each start (plan, presets) it ran."""
    done = trials[trials["state"] == "COMPLETE"]
    out = {"best": float(done.loc[done["number"] == best_number, "value"].iloc[0])}
    for _, row in done[done[START].notna()].iterrows():
        for label in str(row[START]).split("+"):
            out.setdefault(label, float(row["value"]))
    return out


