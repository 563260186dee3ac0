"""One small helper for searches that run the model: Optuna, common random numbers, resumable.

A search proposes candidates (points of a parameter space), runs the model for every candidate
on the **same** seeds (common random numbers: two candidates differ by their parameters, not by
their random draws), scores each candidate from its per-seed results, and lets an Optuna sampler
(TPE, CMA-ES, random, grid) propose the next. Everything is Optuna's own API:

* the study lives in ``JournalStorage(JournalFileBackend(path))``: one JSON line per event, so a
  search killed at any moment resumes from the same file without repeating a finished trial;
* a trial that a kill (or Ctrl-C) left unfinished is marked FAIL (user attribute ``killed``) and
  its parameters are enqueued again (``retry_of``), so the resumed search evaluates that point
  first, then goes on where the sampler was;
* constraints are Optuna's too: a score returns ``Evaluation(constraints={name: value})``
  (feasible when every value is <= 0) and the helper calls ``trial.set_constraint`` for each,
  which TPE, GP and NSGA-II use when sampling and ``study.best_trial`` respects (Optuna 5
  replaced the samplers' ``constraints_func`` argument, deprecated in 5.0 and removed in 7, by
  this). CMA-ES and grid search ignore constraints, so a constrained search refuses them.

The model runs in :func:`sim.studies.parallel.run_tasks` workers (joblib's loky processes are
reused from one candidate to the next, so imports and compiled kernels are paid once); scoring
runs in the calling process. One process at a time may run a given storage file (an exclusive
lock beside it), which is what makes marking its unfinished trials FAIL safe.

A resumed search's sampler is seeded with ``sampler_seed`` plus the trials already in the study
(a sampler built by the caller is reseeded at random), so it does not propose the points its
first start proposed; its later proposals are therefore not those an uninterrupted search
would have made, and a finished trial is never run again.

Example (issue 28's shape: a decision scored on profit with a growth floor)::

    study = run_search(storage=Path("out/search.journal"), study_name="optimise",
                       space=space, simulate=partial(run_firm, cfg), score=profit_with_floor,
                       seeds=range(6), n_trials=200, sampler="tpe", constrained=True,
                       direction="maximize")
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["KILLED", "MIN_SEEDS", "PER_SEED", "RETRY_OF", "SAMPLERS", "Evaluation", "Param",
           "SearchError", "check_resumable", "evaluate_seeds", "make_sampler", "run_search",
           "trials_table"]

#: Every candidate is run on at least this many seeds (the same seeds for all).
MIN_SEEDS = 5
#: Trial user attributes the helper writes.
PER_SEED = "per_seed"
KILLED = "killed"
RETRY_OF = "retry_of"
SECONDS = "seconds"
#: Study user attribute holding the settings a resumed search must share.
SETTINGS = "settings"
#: Samplers by name (:func:`make_sampler`); build others (``GridSampler``...) yourself.
SAMPLERS = ("tpe", "cmaes", "random")


class SearchError(ValueError):
    """A search that cannot start (a one-line reason; the CLI prints it with exit status 2)."""


@dataclass(frozen=True)
class Param:
    """One searched premise: a dotted config key and its range.

    Attributes:
        key: The dotted key (``market.churn.base``); also the Optuna parameter name.
        low: Lower bound.
        high: Upper bound.
        log: Search on a log scale (a premise whose plausible values span decades).
        why: Why it is searched and what bounds it (printed in tables).
    """

    key: str
    low: float
    high: float
    log: bool = False
    why: str = ""

    def __post_init__(self) -> None:
        """Refuse an empty or inverted range, or a log range that reaches 0."""
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise SearchError(f"{self.key}={self.low}:{self.high}: need finite low < high")
        if self.log and self.low <= 0:
            raise SearchError(f"{self.key}={self.low}:{self.high}:log: a log range needs low > 0")

    def suggest(self, trial: Any) -> float:
        """Optuna's ``suggest_float`` for this premise."""
        return float(trial.suggest_float(self.key, self.low, self.high, log=self.log))


@dataclass
class Evaluation:
    """What a score says about one candidate.

    Attributes:
        value: The objective (minimised or maximised as the study's direction says); finite.
        per_seed: The objective, or its main part, per seed (stored: shows the noise).
        attrs: Further JSON-able results to keep with the trial (e.g. a fitted scale).
        constraints: Name → value (<= 0 is feasible), set with ``trial.set_constraint``; every
            trial of a constrained search must give the same names.
    """

    value: float
    per_seed: Sequence[float] = ()
    attrs: Mapping[str, Any] = field(default_factory=dict)
    constraints: Mapping[str, float] | None = None


def make_sampler(kind: str = "tpe", seed: int = 0, constrained: bool = False,
                 **options: Any) -> Any:
    """An Optuna sampler by name, seeded.

    Args:
        kind: One of :data:`SAMPLERS`.
        seed: The sampler's seed.
        constrained: The search sets constraints: refuse samplers that ignore them.
        **options: Further keyword arguments of the sampler's constructor.

    Raises:
        SearchError: An unknown kind, or a constrained search with a sampler that ignores
            constraints.
    """
    import optuna

    if kind not in SAMPLERS:
        raise SearchError(f"sampler={kind}: unknown; allowed {', '.join(SAMPLERS)}")
    if constrained and kind == "cmaes":
        raise SearchError("sampler=cmaes: ignores constraints (Optuna's CMA-ES does); use tpe")
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed, **options)
    if kind == "cmaes":
        try:
            import cmaes  # noqa: F401 - Optuna's CMA-ES sampler needs it
        except ImportError as exc:
            raise SearchError("sampler=cmaes: needs the cmaes package (pip install cmaes)") \
                from exc
        return optuna.samplers.CmaEsSampler(seed=seed, **options)
    return optuna.samplers.RandomSampler(seed=seed)


# ----------------------------------------------------------------------------------------------
# Storage


def _plain(obj: Any) -> Any:
    """JSON round trip: what the journal gives back (tuples become lists)."""
    return json.loads(json.dumps(obj, default=str))


def _storage(path: Path) -> Any:
    """Optuna's journal storage on ``path`` (the file is created if missing)."""
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return JournalStorage(JournalFileBackend(str(path)))


def _repair_tail(path: Path) -> None:
    """Drop a half-written last line (a kill during a write), so that appends stay valid JSON."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as f:
        f.seek(-1, os.SEEK_END)
        if f.read(1) == b"\n":
            return
        f.seek(0)
        data = f.read()
        f.truncate(data.rfind(b"\n") + 1)


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside ``path`` for the whole search (released by any exit)."""
    lock = path.with_name(path.name + ".search-lock")
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SearchError(f"{path}: another process is running this search") from exc
        # Optuna's own write lock (a symlink) may be left by a kill mid-write; nobody else can
        # be writing now, so it is stale
        Path(str(path) + ".lock").unlink(missing_ok=True)
        yield
    finally:
        os.close(fd)
        lock.unlink(missing_ok=True)


def check_resumable(path: str | os.PathLike, study_name: str,
                    settings: Mapping[str, Any]) -> int | None:
    """Whether a search can start on ``path``: None if new, else its finished trials.

    Reads only (nothing is written), so a command can call it before anything runs.

    Raises:
        SearchError: The file holds another study, or this study with other settings.
    """
    path = Path(path)
    if not path.exists():
        return None
    if path.is_dir():
        raise SearchError(f"{path}: is a folder, not a search journal")
    storage = _storage(path)
    try:
        study_id = storage.get_study_id_from_name(study_name)
    except KeyError:
        names = [s.study_name for s in storage.get_all_studies()]
        raise SearchError(f"{path}: holds the search(es) {', '.join(names) or 'none'}, not "
                          f"{study_name}; give another output folder") from None
    saved = storage.get_study_user_attrs(study_id).get(SETTINGS)
    wanted = _plain(dict(settings))
    if saved is not None and saved != wanted:
        diff = sorted(k for k in set(saved) | set(wanted) if saved.get(k) != wanted.get(k))
        raise SearchError(f"{path}: a search of {study_name} with other settings ("
                          + ", ".join(f"{k}: {saved.get(k)!r} there, {wanted.get(k)!r} now"
                                      for k in diff[:3])
                          + "); give another output folder or remove it")
    return len(_finished(storage.get_all_trials(study_id, deepcopy=False)))


def _finished(trials: Sequence[Any]) -> list[Any]:
    """Trials that ended on their own (a killed trial does not count: it is run again)."""
    return [t for t in trials if t.state.is_finished() and not t.user_attrs.get(KILLED)]


def _recover_killed(storage: Any, study: Any) -> list[int]:
    """Mark trials a kill left RUNNING as FAIL and enqueue every killed point again.

    Returns:
        The numbers of the trials enqueued again.
    """
    from optuna.trial import TrialState

    study_id = storage.get_study_id_from_name(study.study_name)
    trials = storage.get_all_trials(study_id, deepcopy=False)
    for t in trials:
        if t.state == TrialState.RUNNING:
            trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, t.number)
            storage.set_trial_user_attr(trial_id, KILLED, True)
            storage.set_trial_state_values(trial_id, state=TrialState.FAIL)
    trials = storage.get_all_trials(study_id, deepcopy=False)
    retried = {t.user_attrs.get(RETRY_OF) for t in trials}
    again = [t for t in trials if t.user_attrs.get(KILLED) and t.number not in retried]
    for t in again:
        study.enqueue_trial(dict(t.params), user_attrs={RETRY_OF: t.number})
    return [t.number for t in again]


# ----------------------------------------------------------------------------------------------
# Evaluation


def _indexed(simulate: Callable[[dict, int], Any], k: int, params: dict, seed: int) -> tuple:
    """One seed of one candidate in a worker, tagged with its place."""
    from .parallel import prepare_worker

    prepare_worker()
    return k, simulate(params, seed)


@contextlib.contextmanager
def _one_numba_thread() -> Iterator[None]:
    """One Numba thread while the seeds run here, as in a worker; then the count before.

    The kernels' threads only contend on the tiny markets of many short runs.
    """
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def evaluate_seeds(simulate: Callable[[dict, int], Any], params: Mapping[str, Any],
                   seeds: Sequence[int], n_jobs: int = 1) -> list[Any]:
    """``simulate(params, seed)`` for every seed, in parallel, returned in seed order.

    Args:
        simulate: A picklable function (e.g. a ``functools.partial`` of a module-level one).
        params: The candidate.
        seeds: The seeds every candidate shares.
        n_jobs: Worker processes (1: in this process, with one Numba thread as a worker has).
    """
    from .parallel import run_tasks

    if n_jobs <= 1:
        with _one_numba_thread():
            return [simulate(dict(params), int(s)) for s in seeds]
    tasks = [(simulate, k, dict(params), int(s)) for k, s in enumerate(seeds)]
    return [r for _, r in sorted(run_tasks(_indexed, tasks, n_jobs), key=lambda kr: kr[0])]


def _line(study: Any, trial: Any, total: int, label: str) -> str:
    """The progress line after a trial."""
    from optuna.trial import TrialState

    done = len(_finished(study.get_trials(deepcopy=False)))
    params = " ".join(f"{k.rsplit('.', 1)[-1]}={v:.4g}" if isinstance(v, (int, float))
                      else f"{k.rsplit('.', 1)[-1]}={v}" for k, v in trial.params.items())
    if trial.state != TrialState.COMPLETE:
        what = trial.state.name.lower()
    else:
        what = f"value {trial.value:.5g}"
    try:
        best = study.best_trial
        what += f" (best {best.value:.5g}, #{best.number})"
    except ValueError:  # no complete trial yet
        pass
    seconds = trial.user_attrs.get(SECONDS)
    took = f" | {seconds:.1f} s" if seconds is not None else ""
    again = f" (again, killed #{trial.user_attrs[RETRY_OF]})" if RETRY_OF in trial.user_attrs \
        else ""
    return f"{label}: trial {done}/{total} #{trial.number}{again}: {what}; {params}{took}"


def run_search(*, storage: str | os.PathLike, study_name: str,
               space: Sequence[Param] | Callable[[Any], dict[str, Any]],
               simulate: Callable[[dict, int], Any],
               score: Callable[[dict, list[Any]], Evaluation],
               seeds: Sequence[int], n_trials: int, sampler: Any = "tpe",
               sampler_seed: int = 0, constrained: bool = False,
               direction: str = "minimize", n_jobs: int = 1,
               settings: Mapping[str, Any] | None = None,
               progress: Callable[[str], None] | None = None,
               min_seeds: int = MIN_SEEDS) -> Any:
    """Run (or resume) a search until ``n_trials`` trials have finished; return the study.

    Args:
        storage: The journal file (created; its folder must exist).
        study_name: The study's name inside the journal.
        space: The searched premises, or a function ``trial -> params`` (e.g. shares on a
            simplex built from suggested values).
        simulate: ``simulate(params, seed) -> result`` for one seed; picklable; runs in a
            worker process when ``n_jobs > 1``.
        score: ``score(params, results) -> Evaluation`` from the per-seed results (in seed
            order); runs here.
        seeds: The seeds every candidate is run on (common random numbers).
        n_trials: Finished trials wanted in total (a resumed search runs only the rest).
        sampler: A name of :data:`SAMPLERS` or an Optuna sampler.
        sampler_seed: The seed of a sampler given by name.
        constrained: Every score sets ``Evaluation.constraints`` (a sampler that ignores
            constraints is refused).
        direction: ``minimize`` or ``maximize``.
        n_jobs: Worker processes for the seeds.
        settings: What a resumed search must share with the saved one (target, sizes, ...);
            the seeds, the space and the direction are added.
        progress: Called with one line after each trial.
        min_seeds: The fewest seeds allowed.

    Raises:
        SearchError: Too few seeds, a bad sampler, or a journal that holds another search;
            raised before any trial runs.
    """
    import optuna

    seeds = [int(s) for s in seeds]
    if len(seeds) < min_seeds or len(set(seeds)) != len(seeds):
        raise SearchError(f"seeds={len(seeds)}: give at least {min_seeds} distinct seeds "
                          "(every candidate runs on all of them)")
    if n_trials < 1:
        raise SearchError(f"trials={n_trials}: must be at least 1")
    if isinstance(sampler, str):
        make_sampler(sampler, sampler_seed, constrained)  # refuse a bad one before writing
    elif constrained and isinstance(sampler, (optuna.samplers.CmaEsSampler,
                                              optuna.samplers.GridSampler)):
        raise SearchError(f"{type(sampler).__name__}: ignores constraints; use TPE")
    described = ([dataclasses.asdict(p) for p in space] if not callable(space)
                 else getattr(space, "__qualname__", repr(space)))
    full = {**(settings or {}), "seeds": seeds, "space": described, "direction": direction}
    path = Path(storage)
    check_resumable(path, study_name, full)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with _exclusive(path):
        _repair_tail(path)
        store = _storage(path)
        study = optuna.create_study(storage=store, study_name=study_name,
                                    sampler=_sampler_for(store, study_name, sampler,
                                                         sampler_seed, constrained),
                                    direction=direction, load_if_exists=True)
        if SETTINGS not in study.user_attrs:
            study.set_user_attr(SETTINGS, _plain(full))
        again = _recover_killed(store, study)
        if again and progress is not None:
            progress(f"{study_name}: resuming; trial(s) {', '.join(map(str, again))} were cut "
                     "off by a kill and run again first")
        remaining = n_trials - len(_finished(study.get_trials(deepcopy=False)))
        if remaining <= 0:
            return study

        def objective(trial: Any) -> float:
            t0 = time.perf_counter()
            try:
                params = ({p.key: p.suggest(trial) for p in space} if not callable(space)
                          else space(trial))
                ev = score(params, evaluate_seeds(simulate, params, seeds, n_jobs))
            except KeyboardInterrupt:
                trial.set_user_attr(KILLED, True)  # run again on resume, like a kill
                raise
            if constrained and not ev.constraints:
                raise SearchError("a constrained search's score must set "
                                  "Evaluation.constraints")
            for name, value in (ev.constraints or {}).items():
                trial.set_constraint(name, float(value))
            trial.set_user_attr(PER_SEED, [float(v) for v in ev.per_seed])
            for key, value in ev.attrs.items():
                trial.set_user_attr(key, _plain(value))
            trial.set_user_attr(SECONDS, round(time.perf_counter() - t0, 3))
            return float(ev.value)

        def report(study: Any, trial: Any) -> None:
            if progress is not None:
                progress(_line(study, trial, n_trials, study_name))

        study.optimize(objective, n_trials=remaining, callbacks=[report],
                       gc_after_trial=False, show_progress_bar=False)
    return study


def _sampler_for(store: Any, study_name: str, sampler: Any, seed: int,
                 constrained: bool) -> Any:
    """The sampler of this start: seeded past the trials the study already has.

    A resumed search must not propose again the points its first start proposed (a seeded
    sampler would, in the same order): a named sampler is seeded with ``seed`` + trials so
    far, a sampler object is reseeded at random.
    """
    try:
        done = store.get_n_trials(store.get_study_id_from_name(study_name))
    except KeyError:
        done = 0
    if isinstance(sampler, str):
        return make_sampler(sampler, seed + done, constrained)
    if done:
        sampler.reseed_rng()
    return sampler


def trials_table(study: Any) -> pd.DataFrame:
    """Every trial as one row: number, state, value, parameters, per-seed values, attributes.

    Parameters keep their dotted keys as column names; list-valued attributes stay lists
    (Parquet stores them as list columns).
    """
    rows = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"number": t.number, "state": t.state.name, "value": t.value}
        row.update(t.params)
        for key, value in t.user_attrs.items():
            row[key] = value
        row["started"] = t.datetime_start
        row["finished"] = t.datetime_complete
        rows.append(row)
    return pd.DataFrame(rows)
