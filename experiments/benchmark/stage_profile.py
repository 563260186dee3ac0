"""Time per step by stage: the fused kernel's stages by ablation, the Python side by timers.

    NUMBA_NUM_THREADS=1 python experiments/benchmark/stage_profile.py [N] [REPEATS]
    # → results/benchmark/stage_profile.csv (and the table on stdout); rows of other sizes and
    #   thread counts already there are kept

The journey kernel is one fused pass, so its stages cannot be timed from outside and timers
inside would cost more than some stages. Instead this builds the default market (spells off,
``market.network.generator=numba``), runs steps 1..12, captures the kernel's inputs of step 13,
and times that one step again and again (inputs copied afresh each time) with the kernel as it
is and with one stage removed at a time — each variant compiled from a copy of ``sim/`` in a
temporary folder with one edit. A stage's cost is the full kernel's time minus the time without
it, on the very same state. Variants run interleaved (one call of each per round) and the
medians of the rounds are reported, so a machine shared with other work affects them alike.
Stages: ``awareness`` (word of mouth heard, ad exposure, search, belief update), ``choice``
(customers in the market choose), ``experience`` (use, pay, satisfaction, learning, need
estimates; churn included, since it reads the experience), ``need_estimates`` (the co-creation
sums inside experience), ``churn``, ``voice_and_tallies`` (word of mouth spoken, end-of-step
tallies). Removing a stage changes the work of none of the others on this captured step.

The Python side of the step is timed directly over steps 13..12+REPEATS on the real model:
firms' planning, stacking the offers, accounting (firms, market shares, reviews, spells) and
Mesa's data collection. Rows ``work`` count what the captured step did per customer (choices,
experiences, ad exposures, firms newly known, relationships ended), from its tallies: the share
of the market that had something to do.
"""

from __future__ import annotations

import importlib
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

#: Stage → (text in sim/kernels/journey.py, replacement): removes that stage only.
ABLATIONS = {
    "awareness": ("        # ---- 2. awareness: word of mouth heard, ad exposure, own search",
                  "        for f in range(n_firms):\n            pos[f] = 0.0\n"
                  "            neg[f] = 0.0\n            soc[f] = 0.0\n"
                  "        if n_firms < 0:  # ablated: awareness\n            pass\n"
                  "        # ---- 2. awareness: word of mouth heard, ad exposure, own search"),
    "choice": ("            if in_market:\n", "            if in_market and n_firms < 0:\n"),
    "experience": ("            # ---- 4. experience: use, pay, compare with expectation, learn",
                   "            continue\n"
                   "            # ---- 4. experience: use, pay, compare with expectation, learn"),
    "need_estimates": ("            for d in range(needs.shape[2]):\n                ns[f, c, d]",
                       "            for d in range(0):\n                ns[f, c, d]"),
    "churn": ("            if not is_new:\n                h = churn_hazard",
              "            if not is_new and n_firms < 0:\n                h = churn_hazard"),
    "voice_and_tallies": ("        # ---- 5. word of mouth: what this customer will say next step",
                          "        continue\n"
                          "        # ---- 5. word of mouth: what this customer will say next step"),
}


def _awareness_block(src: str) -> str:
    """Put the whole awareness block under the never-true guard the ablation inserted."""
    start = src.index("        if n_firms < 0:  # ablated: awareness\n            pass\n")
    head = src.index("        # ---- 2. awareness", start)
    tail = src.index("        # ---- 3. choice, 4. experience", head)
    block = src[head:tail]
    indented = "".join("    " + line if line.strip() else line
                       for line in block.splitlines(keepends=True))
    guard = "        if n_firms < 0:  # ablated: awareness\n"
    return src[:start] + guard + indented + src[tail:]


def make_variants(folder: Path) -> list[str]:
    """Copy ``sim`` once per stage into ``folder`` with that stage removed; the package names."""
    names = []
    for stage, (old, new) in {"full": ("", ""), **ABLATIONS}.items():
        pkg = f"sim_{stage}"
        src = (ROOT / "sim" / "kernels" / "journey.py").read_text(encoding="utf-8")
        if old:
            if src.count(old) != 1:
                raise RuntimeError(f"{stage}: the kernel no longer has the text to remove")
            src = src.replace(old, new)
            if stage == "awareness":
                src = _awareness_block(src)
        kernel = folder / pkg / "kernels" / "journey.py"
        same = kernel.exists() and kernel.read_text(encoding="utf-8") == src and all(
            (folder / pkg / f.relative_to(ROOT / "sim")).exists()
            and (folder / pkg / f.relative_to(ROOT / "sim")).read_bytes() == f.read_bytes()
            for f in [*(ROOT / "sim" / "kernels").glob("*.py"), ROOT / "sim" / "rng.py"]
            if f.name != "journey.py")
        if not same:  # (re)copy; an unchanged copy keeps its Numba cache
            shutil.rmtree(folder / pkg, ignore_errors=True)
            shutil.copytree(ROOT / "sim", folder / pkg,
                            ignore=shutil.ignore_patterns("__pycache__", "app", "plots"))
            kernel.write_text(src, encoding="utf-8")
        names.append(pkg)
    return names


def python_stages(model, steps: int) -> dict[str, float]:
    """Median seconds per step of the step's Python parts, over ``steps`` real steps."""
    from sim import model as model_mod

    times: dict[str, list[float]] = {k: [] for k in ("plan", "offers", "kernel", "account",
                                                     "collect", "step")}
    real = {"offers": model._kernel_offers, "account": model._account,
            "collect": model.datacollector.collect, "kernel": model_mod.journey_step}

    def timed(stage):  # noqa: ANN001, ANN202
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t = time.perf_counter()
            out = real[stage](*args, **kwargs)
            times[stage][-1] += time.perf_counter() - t
            return out
        return wrapper

    model._kernel_offers, model._account = timed("offers"), timed("account")
    model.datacollector.collect = timed("collect")
    model_mod.journey_step = timed("kernel")
    plan_real = [f.plan_offer for f in model.firms]
    for firm, plan in zip(model.firms, plan_real, strict=True):
        def plan_timed(*args, _plan=plan):  # noqa: ANN002, ANN202
            t = time.perf_counter()
            _plan(*args)
            times["plan"][-1] += time.perf_counter() - t
        firm.plan_offer = plan_timed
    try:
        for _ in range(steps):
            for v in times.values():
                v.append(0.0)
            t = time.perf_counter()
            model.step()
            times["step"][-1] = time.perf_counter() - t
    finally:
        model_mod.journey_step = real["kernel"]
    parts = ("plan", "offers", "kernel", "account", "collect")
    times["rest"] = [times["step"][i] - sum(times[k][i] for k in parts)
                     for i in range(len(times["step"]))]
    return {k: statistics.median(v) for k, v in times.items()}


#: Tallies that count the work of the captured step: (row name, ``ITALLY`` names summed).
WORK = {
    "experiences (relationships used)": ("units",),
    "choices made (a firm chosen)": ("choices",),
    "ad exposures": ("exposures",),
    "firms newly known (ads, word of mouth, search)": ("aware_ads", "aware_wom", "aware_search"),
    "relationships ended": ("lost_churn", "lost_switch", "lost_outside"),
}


def work_rows(kernel, args: list, n: int) -> list[dict]:  # noqa: ANN001
    """Events per customer in the captured step, from its tallies: how much of the market acts.

    Runs ``kernel`` once more on fresh copies; the integer tallies are ``args[-3]``.
    """
    from sim.kernels.layout import ITALLY

    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    kernel(*args)
    totals = args[-3].sum(axis=(0, 1))
    return [{"part": "work", "stage": name, "ms_per_step": float("nan"),
             "share_of_kernel": float("nan"),
             "per_customer": sum(int(totals[ITALLY.index(k)]) for k in keys) / n}
            for name, keys in WORK.items()]


def main(n: int = 100_000, repeats: int = 15) -> int:
    """Measure and write (or update) ``results/benchmark/stage_profile.csv``."""
    import pandas as pd

    from sim import model as model_mod
    from sim.configure import load_config

    cfg = load_config([f"market.n_customers={n}", "market.steps=200", "output.spells=false",
                       "market.network.generator=numba"])
    model = model_mod.MarketModel(cfg)
    captured = {}
    real = model_mod.journey_step

    def grab(*args):  # noqa: ANN002, ANN202
        captured["args"] = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        return real(*args)

    for _ in range(12):
        model.step()
    model_mod.journey_step = grab
    model.step()
    model_mod.journey_step = real
    # the variants live in results/tmp (not versioned) so that Numba's cache survives re-runs
    tmp = ROOT / "results" / "tmp" / "stage_variants"
    tmp.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(tmp))
    kernels = {p: importlib.import_module(f"{p}.kernels.journey").journey_step
               for p in make_variants(tmp)}
    seconds: dict[str, list[float]] = {p: [] for p in kernels}
    for r in range(repeats + 1):  # round 0 compiles (or loads the cache)
        for p, kernel in kernels.items():
            args = [a.copy() if isinstance(a, np.ndarray) else a for a in captured["args"]]
            t = time.perf_counter()
            kernel(*args)
            if r:
                seconds[p].append(time.perf_counter() - t)
    full = statistics.median(seconds["sim_full"])
    rows = [{"part": "kernel", "stage": "whole kernel", "ms_per_step": 1e3 * full,
             "share_of_kernel": 1.0}]
    for stage in ABLATIONS:
        without = statistics.median(seconds[f"sim_{stage}"])
        rows.append({"part": "kernel", "stage": stage, "ms_per_step": 1e3 * (full - without),
                     "share_of_kernel": (full - without) / full})
    rows += work_rows(kernels["sim_full"], captured["args"], n)
    py = python_stages(model, repeats)
    for stage in ("plan", "offers", "account", "collect"):
        rows.append({"part": "python", "stage": stage, "ms_per_step": 1e3 * py[stage],
                     "share_of_kernel": float("nan")})
    rows.append({"part": "python", "stage": "rest of step()", "ms_per_step": 1e3 * py["rest"],
                 "share_of_kernel": float("nan")})
    rows.append({"part": "step", "stage": "whole step (real run)", "ms_per_step": 1e3 * py["step"],
                 "share_of_kernel": float("nan")})
    table = pd.DataFrame(rows).assign(customers=n, repeats=repeats,
                                      threads=os.environ.get("NUMBA_NUM_THREADS", ""))
    table["ns_per_customer"] = table["ms_per_step"] * 1e6 / n  # wall time on these threads
    out = ROOT / "results" / "benchmark" / "stage_profile.csv"
    print(table.round(3).to_string(index=False))
    if out.exists():  # keep the profiles of other sizes and thread counts
        old = pd.read_csv(out, dtype={"threads": str}).fillna({"threads": ""})
        keep = (old["customers"] != n) | (old["threads"] != table["threads"].iloc[0])
        table = pd.concat([old[keep], table], ignore_index=True)
    table.round(4).to_csv(out, index=False)
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
