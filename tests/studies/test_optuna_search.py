"""The Optuna helper: common random numbers, samplers, constraints, resuming after a kill."""

from __future__ import annotations

import functools

import optuna
import pytest

from sim.studies import optuna_search as os_

SPACE = (os_.Param("x", -1.0, 1.0), os_.Param("y", -1.0, 1.0))


def bowl(params: dict, seed: int) -> dict:
    """A noisy bowl with its minimum at (0.3, -0.2); the noise depends on the seed only."""
    noise = 1e-3 * ((seed * 7919) % 13 - 6)
    return {"seed": seed, "f": (params["x"] - 0.3) ** 2 + (params["y"] + 0.2) ** 2 + noise}


def mean_score(params: dict, results: list) -> os_.Evaluation:
    per_seed = [r["f"] for r in results]
    return os_.Evaluation(sum(per_seed) / len(per_seed), per_seed,
                          attrs={"seeds_seen": [r["seed"] for r in results]})


def search(tmp_path, **kw):
    args = {"storage": tmp_path / "s.journal", "study_name": "bowl", "space": SPACE,
            "simulate": bowl, "score": mean_score, "seeds": range(5), "n_trials": 30}
    args.update(kw)
    return os_.run_search(**args)


@pytest.mark.parametrize("sampler", ["tpe", "cmaes"])
def test_a_sampler_finds_the_bottom_of_a_bowl(tmp_path, sampler):
    study = search(tmp_path, sampler=sampler, n_trials=60)
    best = study.best_trial.params
    assert abs(best["x"] - 0.3) < 0.15 and abs(best["y"] + 0.2) < 0.15, best
    # and a search that maximises the same function ends far from it
    worst = search(tmp_path, storage=tmp_path / "max.journal", direction="maximize",
                   n_trials=30).best_trial.params
    assert abs(worst["x"] - 0.3) + abs(worst["y"] + 0.2) > 0.6, worst


def test_every_candidate_runs_on_the_same_seeds_in_order(tmp_path):
    study = search(tmp_path, n_trials=6, seeds=[11, 3, 7, 5, 2])
    table = os_.trials_table(study)
    assert len(table) == 6
    for seen, per_seed in zip(table["seeds_seen"], table[os_.PER_SEED], strict=True):
        assert seen == [11, 3, 7, 5, 2] and len(per_seed) == 5


def test_worker_processes_give_the_same_trials_as_one_process(tmp_path):
    one = os_.trials_table(search(tmp_path, n_trials=4))
    two = os_.trials_table(search(tmp_path, storage=tmp_path / "two.journal", n_trials=4,
                                  n_jobs=2))
    assert one["value"].tolist() == two["value"].tolist()
    assert one[os_.PER_SEED].tolist() == two[os_.PER_SEED].tolist()


def test_constraints_keep_the_best_trial_feasible(tmp_path):
    """Minimise x subject to x >= 0.5 (constraint 0.5 - x <= 0), through constraints_func."""
    def score(params, results):
        return os_.Evaluation(params["x"], [params["x"]] * len(results),
                              constraints={"x_at_least_half": 0.5 - params["x"]})

    study = search(tmp_path, score=score, n_trials=40, constrained=True)
    feasible = [t for t in study.trials if t.constraints["x_at_least_half"] <= 0]
    assert feasible and study.best_trial in feasible
    assert 0.5 <= study.best_trial.params["x"] < 0.65
    # a constrained search whose score forgets the constraints fails loudly
    with pytest.raises(os_.SearchError, match="constraints"):
        search(tmp_path, storage=tmp_path / "forgot.journal", constrained=True)


@pytest.mark.parametrize(("kind", "constrained"), [("cmaes", True), ("anneal", False)])
def test_samplers_that_cannot_do_what_is_asked_are_refused(kind, constrained):
    with pytest.raises(os_.SearchError):
        os_.make_sampler(kind, constrained=constrained)


def test_a_built_sampler_that_ignores_constraints_is_refused(tmp_path):
    with pytest.raises(os_.SearchError, match="ignores constraints"):
        search(tmp_path, sampler=optuna.samplers.CmaEsSampler(), constrained=True)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("seeds", [range(4), [1, 1, 2, 3, 4]])
def test_fewer_than_five_distinct_seeds_are_refused_before_anything_is_written(tmp_path, seeds):
    with pytest.raises(os_.SearchError, match="seeds"):
        search(tmp_path, seeds=seeds)
    assert not list(tmp_path.iterdir())


def test_a_range_must_be_a_range():
    with pytest.raises(os_.SearchError):
        os_.Param("a", 1.0, 1.0)
    with pytest.raises(os_.SearchError):
        os_.Param("a", 0.0, 1.0, log=True)


def test_a_killed_trial_is_failed_and_run_again_and_finished_ones_are_not(tmp_path):
    """A kill leaves a RUNNING trial in the journal: study.ask() without tell() is exactly that
    state. The resumed search marks it FAIL (killed), evaluates its point first, and never
    evaluates a finished trial's point again."""
    path = tmp_path / "s.journal"
    search(tmp_path, n_trials=4)
    storage = os_._storage(path)
    study = optuna.load_study(study_name="bowl", storage=storage)
    cut = study.ask({p.key: optuna.distributions.FloatDistribution(p.low, p.high)
                     for p in SPACE})  # RUNNING, as a SIGKILL leaves it
    finished = {tuple(t.params.values()) for t in study.trials[:4]}
    assert os_.check_resumable(path, "bowl", _settings()) == 4

    evaluated = []

    def logging_bowl(params, seed):
        evaluated.append(tuple(params.values()))
        return bowl(params, seed)

    lines = []
    study = search(tmp_path, simulate=logging_bowl, n_trials=7, progress=lines.append)
    trials = study.trials
    assert trials[cut.number].state == optuna.trial.TrialState.FAIL
    assert trials[cut.number].user_attrs[os_.KILLED] is True
    retry = [t for t in trials if t.user_attrs.get(os_.RETRY_OF) == cut.number]
    assert len(retry) == 1 and retry[0].params == cut.params
    assert retry[0].state == optuna.trial.TrialState.COMPLETE
    assert not finished & set(evaluated)
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 7
    assert "run again first" in lines[0] and "again, killed" in lines[1]
    # nothing left to do: a second resume runs nothing and enqueues nothing
    evaluated.clear()
    assert len(search(tmp_path, simulate=logging_bowl, n_trials=7).trials) == len(trials)
    assert evaluated == []


def test_ctrl_c_counts_as_a_kill(tmp_path):
    calls = []

    def interrupted(params, seed):
        calls.append(seed)
        if len(calls) == 12:  # during the third trial
            raise KeyboardInterrupt
        return bowl(params, seed)

    with pytest.raises(KeyboardInterrupt):
        search(tmp_path, simulate=interrupted, n_trials=5)
    study = search(tmp_path, n_trials=5)
    states = [(t.state.name, t.user_attrs.get(os_.KILLED), t.user_attrs.get(os_.RETRY_OF))
              for t in study.trials]
    assert states[2] == ("FAIL", True, None) and states[3] == ("COMPLETE", None, 2)
    assert study.trials[3].params == study.trials[2].params
    assert sum(s == "COMPLETE" for s, _, _ in states) == 5


def _settings():
    return {"seeds": list(range(5)), "space": [
        {"key": p.key, "low": p.low, "high": p.high, "log": p.log, "why": p.why}
        for p in SPACE], "direction": "minimize"}


def test_a_journal_with_other_settings_is_refused(tmp_path):
    search(tmp_path, n_trials=2, settings={"n_customers": 300})
    with pytest.raises(os_.SearchError, match="n_customers"):
        search(tmp_path, n_trials=3, settings={"n_customers": 500})
    with pytest.raises(os_.SearchError, match="seeds"):
        search(tmp_path, n_trials=3, settings={"n_customers": 300}, seeds=range(6))
    with pytest.raises(os_.SearchError, match="holds the search"):
        os_.check_resumable(tmp_path / "s.journal", "another", {})


def test_one_process_at_a_time(tmp_path):
    path = tmp_path / "s.journal"
    with os_._exclusive(path), pytest.raises(os_.SearchError, match="another process"):
        search(tmp_path, n_trials=1)


def test_a_half_written_last_line_is_dropped(tmp_path):
    search(tmp_path, n_trials=2)
    path = tmp_path / "s.journal"
    with open(path, "ab") as f:
        f.write(b'{"op_code": 5, "worker_id": "x", "trial_i')  # a kill during a write
    study = search(tmp_path, n_trials=3)
    assert len(study.trials) == 3 and path.read_bytes().endswith(b"\n")


def test_a_space_can_be_a_function_of_the_trial(tmp_path):
    """Issue 28's simplex: shares built from suggested values, passed on to the simulation."""
    def shares(trial):
        u = [trial.suggest_float(f"u{i}", 1e-6, 1.0) for i in range(3)]
        return {f"s{i}": v / sum(u) for i, v in enumerate(u)}

    seen = []

    def simulate(params, seed):
        seen.append(params)
        return {"seed": seed, "f": -params["s0"]}

    study = search(tmp_path, space=shares, simulate=simulate, n_trials=3)
    assert len(study.trials) == 3
    assert all(abs(sum(p.values()) - 1) < 1e-12 for p in seen)


def test_evaluate_seeds_keeps_seed_order():
    out = os_.evaluate_seeds(functools.partial(_tag), {"a": 1}, [5, 1, 3, 2, 4], n_jobs=2)
    assert out == [(5, 1), (1, 1), (3, 1), (2, 1), (4, 1)]


def _tag(params, seed):
    return seed, params["a"]
