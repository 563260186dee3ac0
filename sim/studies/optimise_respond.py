"""``ccsim optimise --rivals respond``: alternating best responses until the decisions settle.

Round 0 is the configuration (the presets' contest). In each round every firm in turn (the
``--firm`` first, then the others in the configuration's order) searches its best response to
the others' latest decisions — those of the firms that moved before it in the same round
included (Gauss–Seidel) — on the same seeds, starting from its own last decision (its first
trial), so a response is never worse than standing still on those seeds. After each round the
rounds are checked (:func:`sim.analysis.optimise.settling`): settled when every firm's shares
moved by an L1 distance below 0.05 and its price by less than 1 % for two rounds running; the
rounds stop there, else after ``--rounds``, and a cycle is reported if the last round is back
within those tolerances of an earlier one.

Each best response is a study ``round<r>_<firm>`` with its own journal
(``responses/round<r>_<firm>.journal``), so a killed run resumes where it was: a finished study
is read back, not searched again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..strategies import LEVERS, PRESETS
from .optimise_run import (
    Outcome,
    Score,
    best_decision,
    evaluate_profiles,
    search,
    simulate_candidate,
    trials_frame,
)
from .optimise_space import firm_decision, flat, preset_decision

if TYPE_CHECKING:
    from .optimise import Plan

__all__ = ["SHARE_COLUMNS", "respond"]

SHARE_COLUMNS = [f"share_{lever}" for lever in LEVERS]


def _row(round_: int, firm: str, decision: dict[str, Any], measures: dict[str, float],
         value: float) -> dict[str, Any]:
    return {"round": round_, "firm": firm, **flat(decision), "value": value, **measures}


def respond(p: Plan, commit: str, say: Callable[[str], None]) -> Outcome:
    """Alternate best responses for up to ``p.rounds`` rounds; what they chose."""
    from ..analysis.optimise import settling
    from .optimise import journal

    current = {f: firm_decision(p.cfg.firms[f]) for f in p.order}
    start = {f: dict(d) for f, d in current.items()}
    say(f"optimise: best responses of {', '.join(p.order)}, up to {p.rounds} rounds of "
        f"{p.trials} trials each ({p.sampler}); round 0 is the configuration")
    ev = evaluate_profiles(p.cfg, {"start": {}}, p.horizon, p.seed_list(), p.jobs)
    means = ev.groupby("firm")[["profit", "revenue", "customer_equity", "growth",
                                "price"]].mean()
    rows = [_row(0, f, current[f], means.loc[f].to_dict(), float(means.loc[f, p.objective]))
            for f in p.order]
    trials, scores = [], {}
    state: dict[str, Any] = {"settled": False}
    for r in range(1, p.rounds + 1):
        for k, f in enumerate(p.order):
            fixed = {g: current[g] for g in p.order if g != f}
            starts = [("last", current[f])]
            if r == 1:
                starts += [(name, preset_decision(p.cfg.firms[f], name)) for name in PRESETS]
            storage = journal(p, f, r)
            storage.parent.mkdir(parents=True, exist_ok=True)
            study = search(storage=storage, study_name=f"round{r}_{f}", space=p.space,
                           simulate=partial(simulate_candidate, p.cfg, f, p.horizon, fixed),
                           score=Score(f, p.objective, current[f], p.growth_floor, commit),
                           seeds=p.seed_list(), trials=p.trials, sampler=p.sampler,
                           sampler_seed=1000 * r + k, starts=starts, settings=p.settings(),
                           n_jobs=p.jobs, progress=say)
            current[f] = best_decision(study)
            best = study.best_trial
            result = best.user_attrs["result"]
            rows.append(_row(r, f, current[f], {m: result[m] for m in
                                                ("profit", "revenue", "customer_equity",
                                                 "growth", "price")}, float(best.value)))
            scores[("last", f)] = float(best.value)
            trials.append(trials_frame(study, round=r, firm=f))
        rounds = pd.DataFrame(rows)
        state = settling(rounds, SHARE_COLUMNS)
        say(f"optimise: round {r} done: "
            + ("settled" if state["settled"] else "not settled yet")
            + "; " + ", ".join(f"{f} mix {flat(current[f])['mix']:.2f}" for f in p.order))
        if state["settled"]:
            break
    name = "settled" if state["settled"] else "last"
    scores = {(name, f): v for (_, f), v in scores.items()}
    decisions = {"start": start, name: dict(current)}
    return Outcome(trials=pd.concat(trials, ignore_index=True), decisions=decisions,
                   profiles={"start": {}, name: dict(current)}, scores=scores,
                   references=["start"], rounds=pd.DataFrame(rows), settled=state)
