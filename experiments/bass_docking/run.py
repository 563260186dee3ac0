"""Bass docking figures: the market model against Bass's curve, and diffusion on networks.

Usage:
    python experiments/bass_docking/run.py            # full: 100,000 customers, 3 seeds
    python experiments/bass_docking/run.py --quick    # ~1 minute: 10,000 customers, 1–2 seeds

Writes into ``results/bass_docking/`` (``--quick``: ``results/bass_docking/quick/``; or --out):

* ``docking.png`` — (a) simulated cumulative adoption (one model step per Bass period, and
  ``substeps`` steps per period) against the discrete Bass map and the closed form, for four
  (p, q) pairs;
* ``networks.png`` — (b) diffusion at p = 0.03, q = 0.38 on each network kind (fully mixed,
  Erdős–Rényi random, Watts–Strogatz small world with rewiring 0.01 / 0.1 / 1.0, Barabási–Albert
  scale free; mean degree 10), the same with ten times less advertising (p = 0.003) as a
  contrast, and the time to 50 % adoption against the network's average clustering coefficient;
* ``summary.csv`` — one row per (p, q) pair (max absolute deviations) and per network (average
  clustering coefficient computed with networkx on the generated graphs, time to 50 %).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.model import MarketModel  # noqa: E402
from sim.validation.bass import (  # noqa: E402
    adoption_path,
    bass_config,
    closed_form,
    recurrence,
    simulate,
)

ROOT = Path(__file__).resolve().parents[2]
#: (p, q) pairs of panel (a): the meta-analysis averages, and three corners of the tested box
PAIRS = [(0.03, 0.38), (0.005, 0.8), (0.05, 0.1), (0.01, 0.5)]
P_NET, Q_NET, DEGREE = 0.03, 0.38, 10
#: a contrast: with ten times less advertising, diffusion rests on word of mouth alone for longer
P_LOW = 0.003
#: (label, network kind, rewiring probability) of panel (b)
NETWORKS = [
    ("fully mixed", "fully_mixed", None),
    ("random (Erdős–Rényi)", "random", None),
    ("small world, rewiring 1.0", "small_world", 1.0),
    ("small world, rewiring 0.1", "small_world", 0.1),
    ("small world, rewiring 0.01", "small_world", 0.01),
    ("scale free (Barabási–Albert)", "scale_free", None),
]
SETTINGS = {
    "full": {"n": 100_000, "seeds": 3, "substeps": 50, "net_seeds": 3,
             "net_periods": {P_NET: 40, P_LOW: 80}},
    "quick": {"n": 10_000, "seeds": 2, "substeps": 10, "net_seeds": 1,
              "net_periods": {P_NET: 30, P_LOW: 60}},
}


def periods_to(p: float, q: float, share: float = 0.99, cap: int = 60) -> int:
    """First whole period at which the closed form reaches ``share`` (at most ``cap``)."""
    t = np.arange(1, cap + 1)
    hit = np.nonzero(closed_form(p, q, t) >= share)[0]
    return int(t[hit[0]]) if hit.size else cap


def time_to(f: np.ndarray, share: float = 0.5) -> float:
    """Time (periods, linear interpolation, F(0) = 0) at which ``f`` first reaches ``share``."""
    g = np.concatenate([[0.0], f])
    k = int(np.argmax(g >= share))
    if g[k] < share:
        return float("nan")
    return (k - 1) + (share - g[k - 1]) / (g[k] - g[k - 1])


def average_clustering(model: MarketModel) -> float:
    """Average clustering coefficient (networkx) of the model's customer network."""
    net = model.network
    if net.fully_mixed:
        # everyone hears everyone: the complete graph, whose clustering is 1 — but word of mouth
        # is a market-wide average, not a local one, so no local clustering slows it
        return float("nan")
    n = net.indptr.shape[0] - 1
    adj = sp.csr_array((np.ones(net.indices.shape[0], np.int8), net.indices, net.indptr),
                       shape=(n, n))
    return float(nx.average_clustering(nx.from_scipy_sparse_array(adj)))


def docking(s: dict, log: Callable[[str], None]) -> tuple[pd.DataFrame, dict]:
    """Panel (a): simulate every pair with 1 and ``substeps`` steps per period."""
    rows, curves = [], {}
    for p, q in PAIRS:
        periods = periods_to(p, q)
        t = np.arange(1, periods + 1)
        t0 = time.perf_counter()
        sim1 = np.array([simulate(p, q, s["n"], periods, seed) for seed in range(s["seeds"])])
        simk = np.array([simulate(p, q, s["n"], periods, seed, substeps=s["substeps"])
                         for seed in range(s["seeds"])])
        map1 = recurrence(p, q, periods)
        mapk = recurrence(p, q, periods, s["substeps"])
        cf = closed_form(p, q, t)
        curves[(p, q)] = {"t": t, "sim1": sim1.mean(0), "simk": simk.mean(0), "map1": map1}
        rows.append({
            "section": "pair", "label": f"p={p}, q={q}", "p": p, "q": q,
            "n_customers": s["n"], "seeds": s["seeds"], "periods": periods,
            "substeps": s["substeps"],
            "max_dev_sim1_vs_map": np.abs(sim1.mean(0) - map1).max(),
            "max_dev_sim_substeps_vs_closed_form": np.abs(simk.mean(0) - cf).max(),
            "max_drift_map_vs_closed_form": np.abs(map1 - cf).max(),
            "max_drift_map_substeps_vs_closed_form": np.abs(mapk - cf).max(),
        })
        log(f"pair p={p} q={q}: {periods} periods, {time.perf_counter() - t0:.0f} s")
    return pd.DataFrame(rows), curves


def networks(s: dict, log: Callable[[str], None]) -> tuple[pd.DataFrame, dict]:
    """Panel (b): diffusion at q = 0.38 and p = 0.03 (and P_LOW) on each network kind.

    The network of a seed does not depend on p, so its clustering is computed once.
    """
    rows, curves, clustering = [], {}, {}
    for p in (P_NET, P_LOW):
        periods = s["net_periods"][p]
        for label, kind, rewire in NETWORKS:
            t0 = time.perf_counter()
            paths, cs, t50 = [], [], []
            for seed in range(s["net_seeds"]):
                cfg = bass_config(p, Q_NET, s["n"], periods, seed, network=kind,
                                  mean_degree=DEGREE, rewire_prob=rewire)
                model = MarketModel(cfg)
                key = (label, seed)
                if key not in clustering:
                    clustering[key] = average_clustering(model)
                cs.append(clustering[key])
                f = adoption_path(model, periods)
                paths.append(f)
                t50.append(time_to(f))
            mean = np.mean(paths, axis=0)
            curves[(p, label)] = mean
            rows.append({
                "section": "network", "label": label, "p": p, "q": Q_NET, "network": kind,
                "rewire_prob": rewire, "mean_degree": None if kind == "fully_mixed" else DEGREE,
                "n_customers": s["n"], "seeds": s["net_seeds"], "periods": periods,
                "substeps": 1, "clustering": float(np.mean(cs)),
                "t50": float(np.mean(t50)),
                "t50_sd": float(np.std(t50, ddof=1)) if len(t50) > 1 else float("nan"),
                "t50_map": time_to(recurrence(p, Q_NET, periods)),
                "t50_closed_form": math.log(2.0 + Q_NET / p) / (p + Q_NET),  # F(t) = 1/2
                "final_adoption": float(mean[-1]),
            })
            log(f"network {label}, p={p}: C={np.mean(cs):.4f}, t50={np.mean(t50):.2f}, "
                f"{time.perf_counter() - t0:.0f} s")
    return pd.DataFrame(rows), curves


def docking_figure(curves: dict, n: int, seeds: int, substeps: int | None = None,
                   title: str | None = None) -> Figure:
    """Figure (a): one panel per (p, q) pair: simulation, discrete map and closed form.

    Args:
        curves: (p, q) → ``{"t", "sim1", "map1"}`` and, with ``substeps``, ``"simk"``
            (mean adopted share at t = 1..T).
        n: Customers in the market.
        seeds: Seeds averaged.
        substeps: Model steps per period of the ``simk`` curves (None: not drawn).
        title: The figure's title (default: this study's).
    """
    fig = Figure(figsize=(11, 8.5), layout="constrained")
    axes = fig.subplots(2, 2, sharey=True)
    for ax, ((p, q), c) in zip(axes.flat, curves.items(), strict=False):
        t = c["t"]
        fine = np.linspace(0.0, t[-1], 400)
        ax.plot(fine, closed_form(p, q, fine), color="black", lw=2,
                label="Bass closed form F(t)")
        ax.plot(np.r_[0, t], np.r_[0, c["map1"]], color="tab:orange", ls="--", lw=1.5,
                label="discrete Bass map (1 step / period)")
        ax.plot(t, c["sim1"], "o", ms=5, mfc="none", color="tab:orange",
                label="simulated, 1 step / period")
        if substeps is not None:
            ax.plot(t, c["simk"], "x", ms=6, color="tab:blue",
                    label=f"simulated, {substeps} steps / period")
        ax.set_title(f"p = {p}, q = {q}")
        ax.set_xlabel("time t (Bass periods)")
        ax.set_ylabel("cumulative adoption F(t) (share of market)")
        ax.set_xlim(0, t[-1])
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    for ax in axes.flat:
        ax.yaxis.set_tick_params(labelleft=True)
    axes.flat[0].legend(loc="lower right", fontsize=9)
    fig.suptitle(title or f"Docking with the Bass model: one firm, fully mixed market of {n:,} "
                 f"customers, mean of {seeds} seed(s)", fontsize=12)
    return fig


def plot_docking(curves: dict, s: dict, path: Path) -> None:
    """Figure (a), saved."""
    docking_figure(curves, s["n"], s["seeds"], s["substeps"]).savefig(path, dpi=130)


def plot_networks(curves: dict, table: pd.DataFrame, s: dict, path: Path) -> None:
    """Figure (b): adoption curves per network (two values of p), and t½ against clustering."""
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.6), gridspec_kw={"width_ratios": [1, 1, 0.9]})
    palette = plt.cm.viridis(np.linspace(0.0, 0.9, len(NETWORKS)))
    colors = {n[0]: color for n, color in zip(NETWORKS, palette, strict=True)}
    for ax, p in zip(axes[:2], (P_NET, P_LOW), strict=True):
        periods = s["net_periods"][p]
        t = np.arange(0, periods + 1)
        ax.plot(t, np.r_[0, recurrence(p, Q_NET, periods)], color="black", lw=1.2, ls=":",
                zorder=5, label="discrete Bass map (fully mixed expectation)")
        rows = table[table["p"] == p].set_index("label")
        for label, _, _ in NETWORKS:
            row = rows.loc[label]
            c_txt = "" if np.isnan(row["clustering"]) else f", C = {row['clustering']:.2g}"
            ax.plot(t, np.r_[0, curves[(p, label)]], color=colors[label], lw=2,
                    label=f"{label}{c_txt}; t½ = {row['t50']:.1f}")
        ax.axhline(0.5, color="grey", lw=0.8, ls="--")
        # show time until every curve is within 0.5 % of saturation
        low = np.min([curves[(p, n[0])] for n in NETWORKS], axis=0)
        done = np.nonzero(low >= 0.995)[0]
        ax.set_xlim(0, min(periods, int(done[0]) + 3) if done.size else periods)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("time t (Bass periods = model steps)")
        ax.set_ylabel("cumulative adoption F(t) (share of market)")
        ax.set_title(f"({'b1' if p == P_NET else 'b2'}) p = {p}, q = {Q_NET}, mean degree {DEGREE}")
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(alpha=0.3)

    bx = axes[2]
    for p, marker, ls in ((P_NET, "o", "-"), (P_LOW, "s", "--")):
        rows = table[table["p"] == p]
        fm = rows[rows["network"] == "fully_mixed"]["t50"].iloc[0]
        bx.axhline(fm, color="black", lw=1, ls=ls, label=f"fully mixed, p = {p} (t½ = {fm:.1f})")
        for _, row in rows.iterrows():
            if row["network"] != "fully_mixed":
                bx.plot(row["clustering"], row["t50"], marker, ms=9, color=colors[row["label"]],
                        mec="black", mew=0.5)
    # one legend entry per network (colour) and per p (marker)
    for label, kind, _ in NETWORKS:
        if kind != "fully_mixed":
            bx.plot([], [], "o", color=colors[label], label=label)
    bx.plot([], [], "o", color="white", mec="black", label=f"p = {P_NET}")
    bx.plot([], [], "s", color="white", mec="black", label=f"p = {P_LOW}")
    nets = table[table["network"] != "fully_mixed"]
    bx.set_xscale("log")
    bx.set_xlim(max(nets["clustering"].min() / 2, 1e-5), 1.0)
    bx.set_xlabel("average clustering coefficient C (networkx; log scale)")
    bx.set_ylabel("time to 50 % adoption t½ (Bass periods)")
    bx.set_title("(b3) Time to 50 % adoption against clustering")
    bx.legend(fontsize=7.5, loc="center right")
    bx.grid(alpha=0.3, which="both")
    fig.suptitle(f"Bass diffusion on networks: {s['n']:,} customers, mean of {s['net_seeds']} "
                 "seed(s); word-of-mouth hazard = q × share of one's neighbours who adopted",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Run the docking study and write its figures and summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small market, few seeds (about a minute)")
    ap.add_argument("--out", type=Path, default=None, help="output folder")
    args = ap.parse_args(argv)
    mode = "quick" if args.quick else "full"
    s = SETTINGS[mode]
    out = args.out or ROOT / "results" / "bass_docking" / ("quick" if args.quick else "")
    out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:6.0f} s] {msg}", file=sys.stderr, flush=True)

    pairs, pair_curves = docking(s, log)
    nets, net_curves = networks(s, log)
    plot_docking(pair_curves, s, out / "docking.png")
    plot_networks(net_curves, nets, s, out / "networks.png")
    summary = pd.concat([pairs, nets], ignore_index=True)
    summary.to_csv(out / "summary.csv", index=False, float_format="%.6g")
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(summary.drop(columns=["section"]).to_string(index=False))
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
