"""bass_docking: the simulated adoption against the discrete Bass map and the closed form.

Reuses :mod:`sim.validation.bass` (the map and the closed form) and the validation figure of
``experiments/bass_docking/run.py`` (:func:`docking_figure`).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.experiment_metrics import RunTables
from sim.validation.bass import closed_form, linear_noise_sd, recurrence


def _pq(config: dict) -> tuple[float, float]:
    awareness = config["market"]["awareness"]
    return float(awareness["ad_response"]), float(awareness["wom_strength"])


#: The band of one run's sampling noise around the map, as the fast validation test draws it
#: (tests/validation/test_bass.py): BAND_SD standard deviations plus BAND_FLOOR.
BAND_SD, BAND_FLOOR = 4.5, 0.001


def run_metrics(run: RunTables) -> dict[str, float]:
    """The adopted share's largest deviations from the map, its band and the closed form.

    ``bass_band_excess`` is the largest excess over the sampling band around the map (negative:
    inside it at every period). One model step is one Bass period; the band is
    :func:`sim.validation.bass.linear_noise_sd` of one run.
    """
    p, q = _pq(run.config)
    n = int(run.config["market"]["n_customers"])
    f = run.ts.groupby("step")["customers"].sum().sort_index().to_numpy(dtype=float) / n
    t = np.arange(1, f.size + 1)
    dev = np.abs(f - recurrence(p, q, f.size))
    band = BAND_SD * linear_noise_sd(p, q, f.size, n) + BAND_FLOOR
    return {"bass_max_abs_dev": float(dev.max()), "bass_band_excess": float((dev - band).max()),
            "bass_closed_form_dev": float(np.abs(f - closed_form(p, q, t)).max())}


def _run_module():
    name = "ccsim_bass_docking_run"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("run.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def figures(folder: Path, stamp: dict) -> dict[str, Figure]:
    """``docking``: the validation figure of each arm's (p, q), from series.csv."""
    series = pd.read_csv(folder / "series.csv")
    arms = pd.read_csv(folder / "arms.csv", keep_default_na=False).set_index("arm")
    curves = {}
    for arm, g in series.groupby("arm", sort=False):
        overrides = dict(o.split("=", 1) for o in arms.loc[arm, "overrides"].split() if o)
        p = float(overrides.get("market.awareness.ad_response", 0.03))  # conf/scenario/bass.yaml
        q = float(overrides.get("market.awareness.wom_strength", 0.38))
        g = g.sort_values("x")
        f = g["mean"].to_numpy() / stamp["customers"]
        curves[(p, q)] = {"t": g["x"].to_numpy(), "sim1": f, "map1": recurrence(p, q, f.size)}
    return {"docking": _run_module().docking_figure(
        curves, stamp["customers"], stamp["seeds"],
        title=f"bass_docking: one firm, fully mixed market of {stamp['customers']:,} customers, "
              f"mean of {stamp['seeds']} seeds (1 model step per Bass period)")}
