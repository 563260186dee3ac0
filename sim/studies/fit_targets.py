"""What a ``ccsim fit`` target is: the premises it searches, the runs it scores, what it writes.

A target (:class:`FitTarget`) names an observed curve (shipped in :mod:`sim.data`), the scenario
whose premises it speaks to, the searched premises (:class:`~sim.studies.optuna_search.Param`:
a table, so a premise the kernel gains later, such as a per-customer churn frailty, is one more
row or one ``--search KEY=LOW:HIGH``), a per-seed run (module-level, so worker processes can run
it) and a loss. :mod:`sim.studies.fit` drives every target the same way: the search on
:func:`~sim.studies.optuna_search.run_search` with common random numbers, then the best point
re-run on fresh seeds for the band (2.5–97.5 percentiles over those seeds), then the tables.

The two kinds of run live here: :func:`bass_shares` (new adopters per period in
``scenario=bass``) and :func:`cohort_alive` (how many of a cohort's relationships are alive at
each anniversary, from the run's spells through
:func:`sim.analysis.retention.cohorts_survivors`).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from .optuna_search import Evaluation, Param

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["BAND_SEED_BASE", "COHORT", "RUN_FLAGS", "FitTarget", "Outputs", "Size",
           "bass_shares", "cohort_alive", "percentiles"]

#: Seeds of the band: fresh ones (10000, 10001, ...), never those the search scored.
BAND_SEED_BASE = 10_000
#: The cohort every retention target follows: relationships started in months 12–23 (the
#: market's second year; cohort 1 of 12-month cohorts), of the core category, all firms pooled.
COHORT = {"index": 1, "length": 12, "category": 0}
#: Overrides of every fit's runs: nothing shown, nothing printed.
RUN_FLAGS = ("output.progress=false", "output.print_table=false")


@dataclass(frozen=True)
class Size:
    """How large a fit is: its market, seeds per candidate, trials, seeds of the band."""

    n_customers: int
    seeds: int
    trials: int
    band_seeds: int


@dataclass
class Outputs:
    """What a target hands back after its band runs.

    Attributes:
        band: One row per point of the curve: ``x``, ``observed`` (or ``observed_low`` /
            ``observed_high`` for a target range), ``model_mean``, ``model_lo``,
            ``model_hi`` (2.5 and 97.5 percentiles over the band's seeds), ``reference`` (a
            classical fit's curve, NaN if none) and ``part`` (``fit`` or ``predict``).
        parameters: The fitted premises beside the published and classical estimates.
        tables: Further tables by file stem (e.g. ``prediction``).
        report: Markdown lines of the target's report.
        figure: Labels of the figure: ``title``, ``xlabel``, ``ylabel``, ``reference``.
    """

    band: pd.DataFrame
    parameters: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    report: list[str] = field(default_factory=list)
    figure: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FitTarget(ABC):
    """A fit target: subclasses give the runs, the loss and the outputs.

    Attributes:
        name: The command-line name (``bass_room_ac``).
        title: One line saying what is fitted to what.
        scenario: The scenario whose premises are searched.
        space: The searched premises.
        full: The size of a real fit.
        quick: The size of ``--quick`` (a check, not a measurement).
        caveat: Said wherever the target's results appear (e.g. unverified data).
    """

    #: The loss, in words (printed in the report and ``meta.json``).
    LOSS: ClassVar[str] = ""

    name: str
    title: str
    scenario: str
    space: tuple[Param, ...]
    full: Size
    quick: Size
    caveat: str = ""

    def overrides(self, size: Size, band: bool = False) -> list[str]:
        """The Hydra overrides of the target's runs (the searched keys are set per trial)."""
        return [f"scenario={self.scenario}", f"market.n_customers={size.n_customers}",
                f"market.steps={self.steps(band)}", *RUN_FLAGS]

    @abstractmethod
    def steps(self, band: bool) -> int:
        """Months (or periods) of a search run (``band=False``) or of a band run."""

    @abstractmethod
    def simulator(self, cfg: Config, band: bool = False) -> Callable[[dict, int], Any]:
        """The per-seed run for the worker processes (a partial of a module-level function)."""

    @abstractmethod
    def score(self, params: dict, results: list[Any]) -> Evaluation:
        """The loss of one candidate from its per-seed results (lower is better)."""

    @abstractmethod
    def outputs(self, best: dict[str, Any], band_results: list[Any],
                cfg: Config) -> Outputs:
        """The band, the parameter table and the report of the best candidate.

        Args:
            best: ``params`` (the best point) and ``attrs`` (what its score kept).
            band_results: The per-seed results of the best point on the band's seeds.
            cfg: The base configuration (the scenario's premises before the fit).
        """

    def searching_from(self, cfg: Config) -> FitTarget:
        """The target as it searches from ``cfg``: itself here.

        A target whose loss reads the configured premises (a retention target's tie-break)
        takes them in its override.
        """
        return self

    def current_values(self, cfg: Config) -> dict[str, float]:
        """The searched premises' values in the scenario as configured (before the fit)."""
        out = {}
        for p in self.space:
            node: Any = cfg
            for part in p.key.split("."):
                node = getattr(node, part)
            out[p.key] = float(node)
        return out


# ----------------------------------------------------------------------------------------------
# The runs (in worker processes)


def _point(cfg: Config, params: dict, seed: int) -> Config:
    """``cfg`` with the candidate's premises and the seed (validated)."""
    from .sensitivity import with_values

    return with_values(dataclasses.replace(cfg, seed=int(seed)), params)


def bass_shares(cfg: Config, params: dict, seed: int) -> list[float]:
    """New adopters in each period of a ``scenario=bass`` run, as shares of the market.

    One step is one period (a year), so the shares are F_t − F_{t−1} of
    :func:`sim.validation.bass.adoption_path`.
    """
    from ..model import MarketModel
    from ..validation.bass import adoption_path

    point = _point(cfg, params, seed)
    f = adoption_path(MarketModel(point), point.market.steps)
    return np.diff(f, prepend=0.0).tolist()


def cohort_alive(cfg: Config, years: int, params: dict, seed: int) -> list[int]:
    """How many of the cohort's relationships are alive at t = 0, 12, ..., 12·years months.

    The cohort is :data:`COHORT` (acquired in months 12–23, core category, every firm); time is
    counted from each relationship's own start (:func:`sim.analysis.retention.cohorts_survivors`)
    and the run must last until its last member is observed for ``years`` years.
    """
    from ..analysis.retention import cohorts_survivors
    from ..model import MarketModel

    point = _point(cfg, params, seed)
    model = MarketModel(point)
    for _ in range(point.market.steps):
        model.step()
    spells = model.spells_table()
    spells = spells[spells["category"] == COHORT["category"]]
    curve = cohorts_survivors(spells, point.market.steps, COHORT["length"]).get(COHORT["index"])
    if curve is None:
        return [0] * (years + 1)
    return [int(curve[12 * k]) for k in range(years + 1)]


def cohort_steps(years: int) -> int:
    """Months a run needs for :func:`cohort_alive` to observe ``years`` years of tenure."""
    last_start = (COHORT["index"] + 1) * COHORT["length"] - 1
    return last_start + 12 * years


def pooled_survival(results: Sequence[Sequence[int]]) -> np.ndarray:
    """S(k) of the seeds pooled: Σ alive_k / Σ alive_0 (NaN if every cohort is empty)."""
    alive = np.asarray(results, float).sum(axis=0)
    return alive / alive[0] if alive[0] > 0 else np.full(alive.shape, np.nan)


def seed_survival(results: Sequence[Sequence[int]]) -> np.ndarray:
    """S(k) of each seed (rows), NaN for an empty cohort."""
    alive = np.asarray(results, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return alive / alive[:, :1]


def percentiles(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 2.5th and 97.5th percentiles over seeds (rows), NaN-skipping."""
    return np.nanpercentile(values, 2.5, axis=0), np.nanpercentile(values, 97.5, axis=0)
