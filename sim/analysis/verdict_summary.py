"""What the committed results say about the essays' claims, as the claims page's generated text.

Reads committed tables only (never runs the model): the scenario and pricing runs
(``results/scenarios/runs.csv``, ``results/pricing/runs.csv``), the decomposition
(``results/calibration/decompose_default/summary.csv``), the default scenario's elasticities
(``results/calibration/elasticities_default/summary.csv``) and the sensitivity analyses
(``results/sensitivity/{morris,sobol}``). Each claim is judged per scenario by
:func:`sim.analysis.claims.judge` (the experiments' rule: the 95% Student-t interval over seeds
on the claim's side of the threshold, wholly on the other side, or straddling it), so the words
follow the numbers whenever the tables are regenerated.

``python -m sim.analysis.verdict_summary`` rewrites the ``claims_summary`` block of
docs/strategist/claims.md, the ``sensitivity_summary`` block of results/sensitivity/README.md
and the ``optimise_summary`` block of docs/results.md (:mod:`sim.analysis.optimise_summary`,
from ``results/optimise/``); ``make results`` ends with it; ``--check`` only reports blocks that
differ (exit 1).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import optimise_summary
from .claims import Claim, Verdict, judge
from .generated_blocks import HOMES, ROOT, read_block, rewrite_block
from .sensitivity_summary import markdown as sensitivity_markdown
from .sensitivity_summary import reversed_share

__all__ = ["BLOCK", "CLAIM_CASES", "compare", "judge_case", "main", "markdown", "stamp",
           "verdict_words"]

BLOCK = "claims_summary"
#: The scenarios whose claims are judged (the structural nulls are read as controls instead).
CLAIM_CASES = ("experience_economy", "subscription", "product_aware_economy",
               "product_aware_economy_own", "b2b")
DEFAULT_CASE = "experience_economy"
#: Decomposition variants in the order the page lists them (the placebo last).
MECHANISMS = ("knowledge", "personalisation", "retention_offers", "service", "cross_selling",
              "cocreation", "frontline_empowerment")


def stamp(folder: Path) -> str:
    """The commit a results folder was measured at (its meta.json), as ```abc1234```."""
    meta = folder / "meta.json"
    commit = json.loads(meta.read_text(encoding="utf-8")).get("git_commit") if meta.exists() \
        else None
    if not commit:
        return "commit not recorded"
    return f"`{commit[:7]}`" + ("+dirty" if str(commit).endswith("+dirty") else "")


def judge_case(runs: pd.DataFrame, case: str, claim: Claim,
               values: pd.Series | None = None) -> Verdict:
    """A claim judged over one case's seeds (``values``: a per-seed quantity, not the metric)."""
    rows = runs[runs["case"] == case]
    x = rows[claim.metric] if values is None else values.loc[rows.index]
    return judge(pd.to_numeric(x, errors="coerce").to_numpy(dtype=float), claim)


def verdict_words(v: Verdict, claim: Claim) -> str:
    """The verdict in words: **holds**, **fails** or cannot be told from the threshold."""
    if v.verdict == "inconclusive":
        return f"cannot be told from {claim.threshold:g}"
    return f"**{v.verdict}**"


def _num(x: float, spec: str = "+.2f") -> str:
    return format(x, spec) if math.isfinite(x) else "n/a"


def interval(v: Verdict, spec: str = "+.2f", scale: float = 1.0) -> str:
    """``mean [low, high]`` of a verdict's estimate."""
    return (f"{_num(scale * v.estimate, spec)} [{_num(scale * v.ci_low, spec)}, "
            f"{_num(scale * v.ci_high, spec)}]")


def _growth(runs: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    ratio = Claim("growth_ratio", ">=", 2, undefined="fail", arms={"case": 1})
    gap = Claim("growth_gap_points", ">", 0, undefined="drop", arms={"case": 1})
    d = DEFAULT_CASE
    cc = judge_case(runs, d, Claim("customer_centric_revenue_cagr", ">", 0, arms={"c": 1}))
    pc = judge_case(runs, d, Claim("product_centric_revenue_cagr", ">", 0, arms={"c": 1}))
    r, g = judge_case(runs, d, ratio), judge_case(runs, d, gap)
    others = []
    for case in CLAIM_CASES[1:]:
        gr, rr = judge_case(runs, case, gap), judge_case(runs, case, ratio)
        others.append(f"{labels[case]}: gap {interval(gr)} (faster growth "
                      f"{verdict_words(gr, gap)}), ratio ≥ 2 {verdict_words(rr, ratio)}")
    return [
        f"- **Growth, 2:1** (essay 003): in the default scenario customer-centric revenue grows "
        f"{interval(cc, '+.1f', 100)} %/yr against {interval(pc, '+.1f', 100)} %/yr, a growth "
        f"ratio of {interval(r, '.2f')}: the 2:1 claim {verdict_words(r, ratio)} "
        f"— {r.reason}. Growth gap {interval(g)} points/yr: faster growth "
        f"{verdict_words(g, gap)}. Elsewhere — " + "; ".join(others) + ".",
    ]


def _margin(runs: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    five = Claim("margin_gap_points", ">=", 5, undefined="drop", arms={"case": 1})
    zero = Claim("margin_gap_points", ">", 0, undefined="drop", arms={"case": 1})
    parts = []
    for case in CLAIM_CASES:
        v5, v0 = judge_case(runs, case, five), judge_case(runs, case, zero)
        parts.append(f"{labels[case]} {interval(v5)} (≥ 5 {verdict_words(v5, five)}; "
                     f"> 0 {verdict_words(v0, zero)})")
    return ["- **Margin, 5–10 points more** (essay 003): customer- minus product-centric margin, "
            "points: " + "; ".join(parts) + "."]


def _social_proof(runs: pd.DataFrame, elasticities: pd.DataFrame) -> list[str]:
    d = runs[runs["case"] == DEFAULT_CASE]
    share = Claim("wom_acquisition_share", ">", 0, arms={"c": 1})
    ads = Claim("ad_acquisition_share", ">", 0, arms={"c": 1})
    more = Claim("wom_minus_ads_points", ">", 0, undefined="drop", arms={"c": 1})
    w, a = judge_case(runs, DEFAULT_CASE, share), judge_case(runs, DEFAULT_CASE, ads)
    diff = judge_case(runs, DEFAULT_CASE, more, values=100 * (
        pd.to_numeric(d["wom_acquisition_share"]) - pd.to_numeric(d["ad_acquisition_share"])))

    def row(lever: str) -> pd.Series | None:
        hit = elasticities[(elasticities["lever"] == lever)
                           & (elasticities["quantity"] == "acquisitions")
                           & (elasticities["window"] == "long") & (elasticities["firm"] == "mean")]
        return hit.iloc[0] if len(hit) else None

    wom, adv = row("word_of_mouth"), row("advertising")
    text = (f"- **Social proof outweighs advertising today** (a premise, stated in the scenario): "
            f"in the default scenario word of mouth brings in {interval(w, '.1f', 100)} % of "
            f"acquisitions after the first year, advertising {interval(a, '.1f', 100)} %; word "
            f"of mouth minus advertising {interval(diff, '+.1f')} points: more acquisitions by "
            f"word of mouth {verdict_words(diff, more)}.")
    if wom is not None and adv is not None:
        order = compare((wom["ci_low"], wom["ci_high"]), (adv["ci_low"], adv["ci_high"]))
        ratio = wom["mean"] / adv["mean"] if adv["mean"] > 0 else float("nan")
        bench = wom.get("benchmark", float("nan"))
        text += (f" Its long-run elasticity of acquisitions, {wom['mean']:+.3f} "
                 f"[{wom['ci_low']:+.3f}, {wom['ci_high']:+.3f}], is {order} advertising's "
                 f"({adv['mean']:+.3f} [{adv['ci_low']:+.3f}, {adv['ci_high']:+.3f}]; the 95 % "
                 f"intervals {'do not ' if order != 'not told apart from' else ''}overlap): "
                 f"a ratio of {_num(ratio, '.2f')}, against about 30 in Trusov, Bucklin & "
                 f"Pauwels (2009), whose word-of-mouth elasticity is {_num(float(bench), '+.2f')}.")
    return [text]


def _decomposition(summary: pd.DataFrame, meta: dict) -> list[str]:
    def get(variant: str, gap: str) -> pd.Series:
        return summary[(summary["variant"] == variant) & (summary["gap"] == gap)].iloc[0]

    def change(r: pd.Series) -> str:
        lo, hi = r["change_low"], r["change_high"]
        word = "widens it" if lo > 0 else ("narrows it" if hi < 0 else "cannot be told from 0")
        return (f"{r['variant'].replace('_', ' ')} {r['change']:+.2f} [{lo:+.2f}, {hi:+.2f}] "
                f"({word})")

    g, m = get("baseline", "growth_gap_points"), get("baseline", "margin_gap_points")
    present = [v for v in MECHANISMS if v in set(summary["variant"])]
    moved = [v for v in present if get(v, "growth_gap_points")["change"] != 0
             or get(v, "margin_gap_points")["change"] != 0]
    idle = [v.replace("_", " ") for v in present if v not in moved]
    pg, pm = get("placebo", "growth_gap_points"), get("placebo", "margin_gap_points")
    n_customers = next((f"{int(o.split('=', 1)[1]):,}" for o in meta.get("overrides", [])
                        if o.startswith("market.n_customers=")), "the default number of")
    seeds = meta.get("seeds", [])
    text = (f"- **Where the growth advantage comes from** (`ccsim decompose`, {n_customers} "
            f"customers, seeds {seeds[0]}–{seeds[-1]}): baseline growth gap "
            f"{g['baseline']:+.2f} [{g['baseline_low']:+.2f}, {g['baseline_high']:+.2f}] "
            f"points/yr, margin gap {m['baseline']:+.2f} [{m['baseline_low']:+.2f}, "
            f"{m['baseline_high']:+.2f}]. What each mechanism adds to the growth gap (the gap "
            f"with it minus the gap with it off, its money still spent): "
            + "; ".join(change(get(v, "growth_gap_points")) for v in moved)
            + "; to the margin gap: "
            + "; ".join(change(get(v, "margin_gap_points")) for v in moved) + ". "
            + (f"Idle in the presets: {', '.join(idle)}. " if idle else "")
            + f"With every mechanism off (the placebo) the growth gap is {pg['variant_gap']:+.2f}"
            f" and the margin gap {pm['variant_gap']:+.2f}.")
    return [text]


def _pricing(runs: pd.DataFrame) -> str:
    gap = Claim("growth_gap_points", ">", 0, undefined="drop", arms={"case": 1})
    parts = []
    for case in runs["case"].drop_duplicates():
        if not str(case).startswith(DEFAULT_CASE + "/"):
            continue
        v = judge_case(runs, case, gap)
        combo = str(case).split("/", 1)[1].replace("/", ", ").replace("_", "-")
        parts.append(f"{combo} {interval(v)} ({verdict_words(v, gap)})")
    return ("growth gap by pricing policy in the default scenario (`results/pricing/`): "
            + "; ".join(parts))


def _fails(pricing_runs: pd.DataFrame, sensitivity: Path) -> list[str]:
    text = "- **Where it fails**: " + _pricing(pricing_runs) + "."
    sobol_idx = sensitivity / "sobol" / "indices.csv"
    if sobol_idx.exists():
        idx = pd.read_csv(sobol_idx)
        grow = idx[idx["output"] == "growth_gap_points"].sort_values("ST", ascending=False)
        lead = grow.iloc[0]
        parts = []
        for method in ("morris", "sobol"):
            samples = sensitivity / method / "samples.parquet"
            if samples.exists():
                s = pd.read_parquet(samples)
                k, n = reversed_share(s, "growth_gap_points")
                km, nm = reversed_share(s, "margin_gap_points")
                parts.append(f"{method.capitalize()}: growth reversed at {k} of {n} points "
                             f"({100 * k / n:.0f} %), margin at {km} ({100 * km / nm:.0f} %)")
        regions = pd.read_csv(sensitivity / "sobol" / "regions.csv")
        thirds = regions[(regions["output"] == "growth_gap_points")
                         & (regions["parameter"] == lead["parameter"])]
        by = "; ".join(f"({r.low:.3g}, {r.high:.3g}] {r.mean:+.1f} (reversed at "
                       f"{100 * r.reversed_share:.0f} %)" for r in thirds.itertuples())
        text += (" Over the sensitivity ranges (`results/sensitivity/README.md`) — "
                 + "; ".join(parts) + f". The premise that decides most: `{lead['parameter']}`"
                 f" (total Sobol index of the growth gap {lead['ST']:.2f} ± "
                 f"{lead['ST_conf']:.2f}); mean growth gap by thirds of its range: {by}.")
    return [text]


def _artefact(runs: pd.DataFrame) -> list[str]:
    gap = Claim("growth_gap_points", ">", 0, undefined="drop", arms={"case": 1})
    d = judge_case(runs, DEFAULT_CASE, gap)
    cases = set(runs["case"])
    if "neutral_per_lever" not in cases:
        return []
    margin = Claim("margin_gap_points", ">", 0, undefined="drop", arms={"case": 1})
    npl = judge_case(runs, "neutral_per_lever", gap)
    npl_margin = judge_case(runs, "neutral_per_lever", margin)
    neutral = judge_case(runs, "neutral", gap) if "neutral" in cases else None
    return [f"- **Artefact or finding?** With every lever buying the same generic appeal through "
            f"its own concave curve (`neutral_per_lever`), the customer-centric preset, which "
            f"spreads its money over eight levers instead of four, gets a growth gap of "
            f"{interval(npl)} points/yr and a margin gap of {interval(npl_margin)} points from "
            f"the curves' shape alone"
            + (f" (one shared neutral stock: growth gap {interval(neutral)})" if neutral else "")
            + f"; the default scenario's growth gap, {interval(d)}, is "
            + f"{compare((d.ci_low, d.ci_high), (npl.ci_low, npl.ci_high))} that bias (95 % "
            "intervals)."]


def compare(a: tuple[float, float], b: tuple[float, float]) -> str:
    """Where interval ``a`` (low, high) lies against ``b``: above, below, or not told apart."""
    if a[0] > b[1]:
        return "above"
    if a[1] < b[0]:
        return "below"
    return "not told apart from"


def markdown(root: str | Path = ROOT) -> str:
    """The ``claims_summary`` block: each claim's current numbers and verdict, from the tables."""
    root = Path(root)
    scen, pricing = root / "results" / "scenarios", root / "results" / "pricing"
    decompose = root / "results" / "calibration" / "decompose_default"
    elast = root / "results" / "calibration" / "elasticities_default"
    sensitivity = root / "results" / "sensitivity"
    runs = pd.read_csv(scen / "runs.csv")
    labels = dict(zip(runs["case"], runs["label"], strict=False))
    first = runs[runs["case"] == DEFAULT_CASE].iloc[0]
    seeds = sorted(runs["seed"].unique())
    lines = [
        f"Sources, each with the commit its `meta.json` records: `results/scenarios/` "
        f"({stamp(scen)}; seeds {seeds[0]}–{seeds[-1]}, {int(first['n_customers']):,} customers "
        f"× {int(first['steps'])} months), `results/pricing/` ({stamp(pricing)}), "
        f"`results/calibration/decompose_default/` ({stamp(decompose)}), "
        f"`results/calibration/elasticities_default/` ({stamp(elast)}), "
        f"`results/sensitivity/` (its `problem.json` records no commit). Verdicts by the rule "
        f"of `sim.analysis.claims.judge`: **holds** when the 95 % Student-t interval over seeds "
        f"lies on the claim's side of the threshold, **fails** when it lies wholly on the other "
        f"side, *cannot be told* when it straddles it.",
        "",
        *_growth(runs, labels),
        *_margin(runs, labels),
        *_social_proof(runs, pd.read_csv(elast / "summary.csv")),
        *_decomposition(pd.read_csv(decompose / "summary.csv"),
                        json.loads((decompose / "meta.json").read_text(encoding="utf-8"))),
        *_fails(pd.read_csv(pricing / "runs.csv"), sensitivity),
        *_artefact(runs),
    ]
    return "\n".join(lines) + "\n"


#: Block → function of the repository's root giving its body.
WRITERS = {
    BLOCK: markdown,
    "optimise_summary": optimise_summary.markdown,
    "sensitivity_summary": lambda root: sensitivity_markdown(Path(root) / "results"
                                                             / "sensitivity"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite (or ``--check``) the claims and sensitivity blocks from the committed tables."""
    parser = argparse.ArgumentParser(prog="python -m sim.analysis.verdict_summary",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(ROOT), help="repository root (default: this one)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a block differs from its tables")
    args = parser.parse_args(argv)
    root = Path(args.root)
    bodies = {}
    for name, writer in WRITERS.items():
        path = root / HOMES[name]
        if not path.exists() or read_block(path, name) is None:
            print(f"ccsim: error: root={root}: {HOMES[name]} with a 'BEGIN GENERATED: {name}' "
                  "block is needed", file=sys.stderr)
            return 2
        try:
            bodies[name] = writer(root)
        except (OSError, KeyError, IndexError, ValueError) as exc:
            print(f"ccsim: error: root={root}: the committed tables are needed ({exc})",
                  file=sys.stderr)
            return 2
    stale = [n for n, body in bodies.items() if read_block(root / HOMES[n], n) != body]
    if args.check:
        for n in stale:
            print(f"{HOMES[n]}: block {n} differs from its tables")
        return 1 if stale else 0
    for name in stale:
        rewrite_block(root / HOMES[name], name, bodies[name])
        print(f"rewrote {HOMES[name]} ({name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
