"""An experiment's design as a list of jobs: arms × seeds, and the premises' Latin hypercube.

Every job is one model run, a full list of Hydra overrides (what ``ccsim run`` would take), and
belongs to a *point*: ``base`` (the experiment's own premises: every arm, ``seeds`` seeds) or
``p000``, ``p001``, ... (a Latin-hypercube point of the premises: the claim's arms,
``point_seeds`` seeds). Seeds are 0, 1, ... in every arm and at every point (common random
numbers: seed ``s`` of two arms shares its random draws, so their difference is paired).

A job's overrides are, in this order, the form's size (customers, months), the experiment's
``base``, the arm's and the point's premises, and the seed; a key given twice keeps its last
value (an arm that sets ``market.n_customers``, such as a B2B market, keeps it). Display-only
keys are set too, and every run writes no spells unless the experiment asks for them, and no
network sample (``output.network_sample``: a picture for the dashboard, about a quarter of a
short run's time outside the model).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analysis.experiment_spec import Experiment, Form, SpecError

__all__ = ["LEAN", "QUIET", "Job", "extra_seeds", "jobs_for", "merge", "points_table"]

BASE = "base"
#: Always set: no progress bars or tables from inside the jobs (display-only keys).
QUIET = ("output.progress=false", "output.print_table=false")
#: Always set: no network sample (a picture for the dashboard's replay, not a result).
LEAN = ("output.network_sample=false",)


@dataclass(frozen=True)
class Job:
    """One run of an experiment."""

    experiment: str
    arm: str
    point: str
    seed: int
    overrides: tuple[str, ...]  #: without the seed

    @property
    def line(self) -> list[str]:
        """The run's whole command line (``ccsim run`` overrides)."""
        return [*self.overrides, f"seed={self.seed}"]


def _key(override: str) -> str:
    return override.partition("=")[0].lstrip("+~")


def merge(*groups: Sequence[str]) -> tuple[str, ...]:
    """Overrides of several groups in order; a key given again replaces the earlier value."""
    out: dict[str, str] = {}
    for group in groups:
        for ov in group:
            key = _key(ov)
            out.pop(key, None)
            out[key] = ov
    return tuple(out.values())


def _formatted(exp: Experiment, form: Form, overrides: Sequence[str]) -> list[str]:
    try:
        return [ov.format(**form.vars) for ov in overrides]
    except (KeyError, IndexError, ValueError) as exc:
        raise SpecError(f"experiments/{exp.name}/config.yaml: an override uses {{{exc}}}, which "
                        f"forms.{form.name}.vars does not set") from None


def _size(customers: int, months: int) -> list[str]:
    return [f"market.n_customers={customers}", f"market.steps={months}"]


def points_table(exp: Experiment, form: Form) -> pd.DataFrame:
    """The Latin-hypercube points of the form: one row per point, one column per premise.

    scipy's Latin hypercube (seeded by ``lhs_seed``) gives ``points`` rows in [0, 1)^d; a numeric
    premise maps it onto [low, high] (integers rounded, other values to 4 significant digits,
    the values the runs use), a categorical one onto its presets in equal slices.

    Returns:
        ``point`` (``p000`` ...) and one column per premise key (a preset's name for a
        categorical premise).
    """
    from scipy.stats import qmc

    premises = exp.premises
    cols: dict[str, list] = {"point": [f"p{i:03d}" for i in range(form.points)]}
    if not form.points or not premises:
        return pd.DataFrame(cols)
    u = qmc.LatinHypercube(d=len(premises), seed=form.lhs_seed).random(form.points)
    for j, p in enumerate(premises):
        if p.categorical:
            names = list(p.presets)
            cols[p.key] = [names[min(len(names) - 1, int(x * len(names)))] for x in u[:, j]]
        else:
            values = p.low + u[:, j] * (p.high - p.low)
            cols[p.key] = (np.rint(values).astype(np.int64).tolist() if p.integer
                           else [float(f"{v:.4g}") for v in values])  # readable overrides
    return pd.DataFrame(cols)


def jobs_for(exp: Experiment, quick: bool = False, seeds: int | None = None,
             start: int = 0, region: bool = True) -> list[Job]:
    """Every job of an experiment's form: the arms at the base point, then the region.

    Args:
        exp: The experiment.
        quick: The quick form instead of the full one.
        seeds: Seeds per arm at the base point (default the form's).
        start: First seed of the base point (the arms' seeds are start .. seeds − 1); the
            region is only planned when ``start`` is 0.
        region: Plan the Latin-hypercube points too.
    """
    form = exp.form(quick)
    n = form.seeds if seeds is None else seeds
    # what the runs write: no network sample (a picture for the dashboard), spells if asked
    spells = [*LEAN, *([] if exp.spells else ["output.spells=false"])]
    base = _formatted(exp, form, exp.base)
    out = []
    size = _size(form.customers, form.months)
    for arm in exp.arms.values():
        overrides = merge(size, base, _formatted(exp, form, arm.overrides), spells, QUIET)
        out += [Job(exp.name, arm.name, BASE, s, overrides) for s in range(start, n)]
    if region and start == 0 and form.points and exp.premises:
        size = _size(form.point_customers, form.point_months)
        table = points_table(exp, form)
        for row in table.to_dict(orient="records"):
            point = [ov for p in exp.premises for ov in p.overrides(row[p.key])]
            for arm in exp.claim_arms:
                overrides = merge(size, base, _formatted(exp, form, exp.arms[arm].overrides),
                                  point, spells, QUIET)
                out += [Job(exp.name, arm, row["point"], s, overrides)
                        for s in range(form.point_seeds)]
    return out


def extra_seeds(half_width: float, seeds: int, target: float | None, cap: int) -> int:
    """Seeds per arm that bring the claim's CI half-width to ``target`` (at most ``cap``).

    The half-width of a mean shrinks as 1/√n, so n seeds with half-width h need
    ⌈n·(h/target)²⌉ seeds for the target (Student's t changes little at n ≥ 20).

    Returns:
        The seeds to run in all (``seeds`` itself when the target is met, not set, or the
        half-width is undefined).
    """
    if target is None or not math.isfinite(half_width) or half_width <= target:
        return seeds
    return int(min(cap, max(seeds, math.ceil(seeds * (half_width / target) ** 2))))
