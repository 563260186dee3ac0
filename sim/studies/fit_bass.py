"""The diffusion targets of ``ccsim fit``: the Bass (1969) sales series.

``scenario=bass`` (one firm, a fully mixed market, only advertising and word of mouth) is fitted
to annual sales: one step is one year, advertising's ``ad_response`` is Bass's p and word of
mouth's ``wom_strength`` his q, and the market size m turns the model's adopters into sales:
``sales_t = m · adopters_t / n_customers``.

**Loss**: the sum of squared errors of annual sales (thousand units²), Σ_t (y_t − m·s̄_t)², where
s̄_t is the mean over the candidate's seeds of the new adopters' share of the market in year t;
m is not searched but profiled out (the least-squares m for that curve,
:func:`sim.analysis.fit_curves.best_scale`), so the search is over p and q only. The same
criterion fits the classical curves printed beside it (:func:`sim.analysis.fit_curves.bass_nls`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import data
from ..analysis import fit_curves as fc
from .fit_targets import FitTarget, Outputs, Size, bass_shares, percentiles
from .optuna_search import Evaluation, Param

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["BASS_SPACE", "BassTarget", "bass_targets"]

#: Bass's p and q as the model's premises (per step = per year).
BASS_SPACE = (
    Param("market.awareness.ad_response", 1e-3, 0.2, log=True,
          why="Bass's innovation coefficient p per year; meta-analysis mean 0.03 (Sultan, "
              "Farley & Lehmann 1990)"),
    Param("market.awareness.wom_strength", 0.01, 0.9,
          why="Bass's imitation coefficient q per year; meta-analysis mean 0.38 (Sultan et al. "
              "1990)"),
)
#: Column ``parameter`` of the parameter table for each searched key.
SYMBOL = {"market.awareness.ad_response": "p", "market.awareness.wom_strength": "q"}
#: A real fit: 20,000 customers (the share's noise is then below 1 % of the peak).
FULL = Size(n_customers=20_000, seeds=6, trials=80, band_seeds=20)
QUICK = Size(n_customers=300, seeds=5, trials=3, band_seeds=5)
ILLUSTRATIVE = ("illustrative: the transcription of this series (public repository "
                "uscxiaoyu/ND3M) is not verified against a primary source")


@dataclass(frozen=True)
class BassTarget(FitTarget):
    """One Bass series (:data:`sim.analysis.fit_curves.BASS_SERIES`)."""

    LOSS = ("sum of squared errors of annual sales (thousand units²), Σ_t (y_t − m·s̄_t)², "
            "s̄_t the mean over the candidate's seeds of new adopters as a share of the market in "
            "year t, m profiled out (the least-squares m for that curve); p and q searched.")

    series: str = ""

    def observed(self) -> pd.DataFrame:
        """The series: ``year``, ``t``, ``sales`` (thousand units)."""
        return fc.bass_observed(self.series)

    def steps(self, band: bool) -> int:
        """One step per year of the series."""
        return len(self.observed())

    def overrides(self, size: Size, band: bool = False) -> list[str]:
        """The Bass market, without spells (not needed)."""
        return [*super().overrides(size, band), "output.spells=false"]

    def simulator(self, cfg: Config, band: bool = False) -> Any:
        """:func:`~sim.studies.fit_targets.bass_shares` on ``cfg``."""
        return functools.partial(bass_shares, cfg)

    def score(self, params: dict, results: list[Any]) -> Evaluation:
        """SSE of sales with m profiled (the seeds' mean curve); per seed, its own curve's."""
        y = self.observed()["sales"].to_numpy()
        shares = np.asarray(results, float)
        mean = shares.mean(axis=0)
        m = fc.best_scale(y, mean)
        sse = float(np.sum((y - m * mean) ** 2))
        per_seed = [float(np.sum((y - fc.best_scale(y, s) * s) ** 2)) for s in shares]
        return Evaluation(sse, per_seed, attrs={"m": m, "rmse": math.sqrt(sse / y.size)})

    def outputs(self, best: dict[str, Any], band_results: list[Any],
                cfg: Config) -> Outputs:
        """Sales band at the best p, q and m; the table beside the classical and published fits."""
        obs = self.observed()
        y = obs["sales"].to_numpy()
        m = float(best["attrs"]["m"])
        shares = np.asarray(band_results, float)
        lo, hi = percentiles(shares * m)
        nls = fc.bass_nls(y)
        nls_map = fc.bass_nls(y, discrete=True)
        ols = fc.bass_ols(y)
        reference = nls["m"] * fc.bass_shape(nls["p"], nls["q"], y.size, discrete=False)
        band = pd.DataFrame({"x": obs["year"], "observed": y, "model_mean": m * shares.mean(0),
                             "model_lo": lo, "model_hi": hi, "reference": reference,
                             "part": "fit"})
        fitted = {SYMBOL[k]: v for k, v in best["params"].items()} | {"m": m}
        published = data.read_csv("published_estimates.csv")
        published = published[published["target"] == self.name].set_index("parameter")
        keys = {v: k for k, v in SYMBOL.items()} | {"m": "m (thousand units; profiled)"}
        rows = []
        for name in ("p", "q", "m"):
            pub = published.loc[name] if name in published.index else None
            rows.append({"parameter": name, "key": keys[name], "model": fitted[name],
                         "nls_continuous": nls[name], "nls_discrete": nls_map[name],
                         "bass_ols": ols[name],
                         "published": float(pub["value"]) if pub is not None else np.nan,
                         "published_source": (f"{pub['source']}, {pub['where']}"
                                              if pub is not None else ""),
                         "published_checked": pub["checked"] if pub is not None else ""})
        rmse_band = math.sqrt(float(np.mean((y - m * shares.mean(0)) ** 2)))
        fits = pd.DataFrame([
            {"fit": "model (search seeds)", "rmse": best["attrs"]["rmse"]},
            {"fit": "model (band seeds)", "rmse": rmse_band},
            {"fit": "NLS, Bass closed form", "rmse": nls["rmse"]},
            {"fit": "NLS, discrete map (the model's mean field)", "rmse": nls_map["rmse"]},
        ])
        report = [
            f"Annual sales, thousand units; one model step is one year; m = {m:,.0f} thousand "
            f"units (profiled), p = {fitted['p']:.4f}, q = {fitted['q']:.4f}.",
            f"RMSE of the model's mean curve on fresh seeds {rmse_band:,.0f} thousand units; "
            f"the classical NLS fit of Bass's closed form {nls['rmse']:,.0f}, of the discrete "
            f"map {nls_map['rmse']:,.0f}.",
        ]
        if not published.empty:
            report.append("Bass's published estimates are printed beside the fits but are "
                          "**not verified** against the paper (see `published_checked`).")
        return Outputs(band=band, parameters=pd.DataFrame(rows), tables={"fit_quality": fits},
                       report=report,
                       figure={"title": self.title, "xlabel": "year",
                               "ylabel": "sales (thousand units)",
                               "reference": "NLS fit of Bass's closed form"})


def bass_targets() -> list[BassTarget]:
    """The three Bass series (room air conditioners; dryers and colour TV illustrative)."""
    names = {"bass_room_ac": "room air conditioners 1949-61",
             "bass_dryers": "clothes dryers (13 years labelled 1949-61)",
             "bass_colour_tv": "colour televisions 1963-70"}
    return [BassTarget(name=name, title=f"Bass (1969) sales of {what}: scenario=bass fitted",
                       scenario="bass", space=BASS_SPACE, full=FULL, quick=QUICK,
                       caveat="" if name == "bass_room_ac" else ILLUSTRATIVE,
                       series=fc.BASS_SERIES[name])
            for name, what in names.items()]
