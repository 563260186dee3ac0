"""Where a claim holds: PRIM boxes over the sampled premises (ema-workbench's implementation).

Reads an experiment's ``points`` table (one row per Latin-hypercube point: the premise values and
the verdict there, :func:`sim.analysis.claims.judge_points`); never runs the model. PRIM
(Friedman & Fisher 1999, as scenario discovery uses it: Bryant & Lempert 2010) peels the premise
space, a share ``peel_alpha`` of the remaining points at a time, towards the points of interest
(the claim holds there, or it fails there), until a box holds less than ``mass_min`` of all
points. Every box on that peeling trajectory has a

* **coverage** — the share of all points of interest that lie in it, and a
* **density** — the share of the points in it that are of interest.

The box reported is the one with the highest coverage among those with density ≥
:data:`DENSITY` (the issue's rule; the EMA Workbench leaves the choice to the analyst). PRIM
runs twice, holds vs the rest and fails vs the rest, with peeling α = :data:`PEEL_ALPHA` and
minimum mass :data:`MASS_MIN`. Categorical premises (presets) are peeled category by category.

ema-workbench's ``Prim`` only keeps a box whose mean reaches its ``threshold`` (else it returns
the whole space); the density rule is applied to the trajectory here instead, so its own
threshold is set just above 0 and every box found is kept. A target class that no point has
yields no box; one every point has yields the whole space.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DENSITY", "MASS_MIN", "PEEL_ALPHA", "PrimResult", "find_region"]

PEEL_ALPHA = 0.05
MASS_MIN = 0.05
DENSITY = 0.8


@dataclass
class PrimResult:
    """PRIM's answer for one class of points (``target``: holds or fails).

    Attributes:
        target: The verdict peeled towards.
        points: Points of that class, of all points.
        trajectory: One row per box on the peeling (and pasting) trajectory: ``box`` (its
            index), ``coverage``, ``density``, ``mass``, ``res_dim`` (premises restricted),
            ``n`` (points inside), ``k`` (of interest inside), ``chosen`` (the reported box).
        box: One row per premise of the chosen box: ``premise``, ``low``, ``high`` (numbers;
            NaN for categories), ``categories`` (``|``-joined, categorical premises),
            ``restricted`` (narrower than the sampled range). Empty when there is no box.
        note: Why there is no box, or which box was chosen.
    """

    target: str
    points: int
    total: int
    trajectory: pd.DataFrame
    box: pd.DataFrame
    note: str

    @property
    def chosen(self) -> pd.Series | None:
        """The chosen box's trajectory row, or None."""
        rows = self.trajectory[self.trajectory["chosen"]]
        return rows.iloc[0] if len(rows) else None


_TRAJECTORY = ["box", "coverage", "density", "mass", "res_dim", "n", "k", "chosen"]
_BOX = ["premise", "low", "high", "categories", "restricted"]


def _whole_space(x: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for col in x.columns:
        if pd.api.types.is_numeric_dtype(x[col]):
            rows.append({"premise": col, "low": float(x[col].min()), "high": float(x[col].max()),
                         "categories": "", "restricted": False})
        else:
            rows.append({"premise": col, "low": np.nan, "high": np.nan,
                         "categories": "|".join(sorted(map(str, x[col].unique()))),
                         "restricted": False})
    return pd.DataFrame(rows, columns=_BOX)


def _prim_class() -> type:
    """ema-workbench's Prim, imported quietly (it warns about optional GUI packages)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim.Prim


def find_region(x: pd.DataFrame, verdicts: Sequence[str] | pd.Series, target: str,
                peel_alpha: float = PEEL_ALPHA, mass_min: float = MASS_MIN,
                density: float = DENSITY) -> PrimResult:
    """PRIM towards the points whose verdict is ``target``; the box and its trajectory.

    Args:
        x: One row per point, one column per premise (floats, ints, or strings for presets).
        verdicts: The verdict at each point.
        target: ``"holds"`` or ``"fails"``.
        peel_alpha: Share of the points peeled per step.
        mass_min: Smallest share of all points a box may hold.
        density: Density a box needs to be reported.

    Returns:
        The :class:`PrimResult`.
    """
    x = x.reset_index(drop=True).copy()
    for col in x.columns:  # numbers as floats (integer columns crash ema-workbench 2.5.3's
        # pasting under pandas 3), anything else as categories
        if pd.api.types.is_bool_dtype(x[col]) or not pd.api.types.is_numeric_dtype(x[col]):
            x[col] = x[col].astype(str).astype(object)
        else:
            x[col] = x[col].astype(np.float64)
    y = (np.asarray(verdicts, dtype=object) == target).astype(int)
    total, hits = int(y.size), int(y.sum())
    empty = pd.DataFrame(columns=_TRAJECTORY)
    if hits == 0:
        return PrimResult(target, 0, total, empty, pd.DataFrame(columns=_BOX),
                          f"no point where the claim {target}: no box")
    if hits == total:
        whole = pd.DataFrame([{"box": 0, "coverage": 1.0, "density": 1.0, "mass": 1.0,
                               "res_dim": 0, "n": total, "k": total, "chosen": True}])
        return PrimResult(target, hits, total, whole, _whole_space(x),
                          f"the claim {target} at every point: the whole sampled space")
    with warnings.catch_warnings():  # pandas' deprecations inside ema-workbench
        warnings.simplefilter("ignore")
        prim = _prim_class()(x, y, threshold=0.5 / total, peel_alpha=peel_alpha,
                             paste_alpha=peel_alpha, mass_min=mass_min)
        found = prim.find_box()
    traj = found.peeling_trajectory.reset_index(drop=True)
    trajectory = pd.DataFrame({
        "box": np.arange(len(traj)), "coverage": traj["coverage"].astype(float),
        "density": traj["density"].astype(float), "mass": traj["mass"].astype(float),
        "res_dim": traj["res_dim"].astype(int), "n": traj["n"].astype(int),
        "k": traj["k"].astype(int), "chosen": False})
    dense = trajectory[trajectory["density"] >= density - 1e-12]
    if dense.empty:
        best = trajectory["density"].max()
        return PrimResult(target, hits, total, trajectory, pd.DataFrame(columns=_BOX),
                          f"no box on the trajectory reaches density {density:g} (densest "
                          f"{best:.2f}): no region where the claim {target}")
    i = int(dense.sort_values(["coverage", "density"], ascending=False, kind="stable")
            .iloc[0]["box"])
    trajectory.loc[i, "chosen"] = True
    box = _box_table(found.box_lims[i], x)
    row = trajectory.loc[i]
    return PrimResult(target, hits, total, trajectory, box,
                      f"box {i} of the trajectory's {len(trajectory)}: coverage "
                      f"{row['coverage']:.2f}, density "
                      f"{row['density']:.2f}, mass {row['mass']:.2f}")


def _box_table(lims: pd.DataFrame, x: pd.DataFrame) -> pd.DataFrame:
    """The box's limits per premise, and whether each is narrower than the sampled range."""
    whole = _whole_space(x).set_index("premise")
    rows = []
    for col in x.columns:
        if col not in lims.columns:  # PRIM drops a premise with a single category
            rows.append({"premise": col, **whole.loc[col].to_dict()})
            continue
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        if isinstance(lo, (set, frozenset)):
            cats = sorted(map(str, lo))
            rows.append({"premise": col, "low": np.nan, "high": np.nan,
                         "categories": "|".join(cats),
                         "restricted": len(cats) < x[col].nunique()})
        else:
            lo, hi = float(lo), float(hi)
            rows.append({"premise": col, "low": lo, "high": hi, "categories": "",
                         "restricted": bool(lo > whole.loc[col, "low"] + 1e-12
                                            or hi < whole.loc[col, "high"] - 1e-12)})
    return pd.DataFrame(rows, columns=_BOX)
