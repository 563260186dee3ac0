"""The report of a ``ccsim optimise`` folder, from its saved tables only (``report.md``).

:func:`write_report` reads ``meta.json``, ``decisions.parquet``, ``summary.parquet``,
``trials.parquet`` and (best responses) ``rounds.parquet``, and writes what was searched, the
decision found, how it does on fresh seeds beside the firm's plan and the presets (gaps with
95% intervals, paired by seed), how optimistic the search's own score was, and — with
``--rivals respond`` — where the responses went and what the industry and its customers got
there against the presets' contest. It can be rerun on a saved folder without running anything.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .. import io
from ..strategies import LEVERS
from .fit_report import markdown_table

__all__ = ["contest_table", "decision_line", "markdown", "measure_table", "optimism_line",
           "settled_text", "write_report"]

#: Premises an optimal decision rests on that nothing in the model measures (ODD: *assumed*).
UNMEASURED = ("the lever response curves (`market.levers.*`) are only partly measured: the "
              "half-saturations of six customer levers (insight, personalisation, service, "
              "retention, cross-sell, recovery) were re-calibrated to published field studies "
              "(results/recalibration, issue 26), but those of R&D, advertising and co-creation "
              "and every carry-over but advertising's are *assumed*, and the best mix of levers "
              "is found on exactly those curves; so are the delivery costs of service and "
              "personalisation, the version cost of R&D and the fixed costs; the price response "
              "(beta_price) and advertising's short-run effect are calibrated to published "
              "elasticities (experiments/calibration), and advertising's weight in choice "
              "(beta_ad) is the premise the growth verdict depends on most (docs/results.md)")


def _num(v: float, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:,.0f}"


def _ci(mean: float, lo: float, hi: float, pct: str = "") -> str:
    """``mean [lo, hi]``; ``pct`` (" %" for a level, " points" for a gap): fractions × 100."""
    if pct:
        return f"{_num(100 * mean, 3)}{pct} [{_num(100 * lo, 3)}, {_num(100 * hi, 3)}]"
    return f"{_num(mean)} [{_num(lo)}, {_num(hi)}]"


def decision_line(row: pd.Series) -> str:
    """A decision (a row of ``decisions.parquet``) in words: shares, budget, pricing, side."""
    shares = ", ".join(f"{lever} {row[f'share_{lever}']:.2f}" for lever in LEVERS
                       if row[f"share_{lever}"] >= 0.005)
    side = "customer-centric" if row["mix"] > 0.5 else "product-centric" if row["mix"] < 0.5 \
        else "an even mix"
    terms = f"markup {row['markup']:.3g}"
    if row["pricing"] == "value_based":
        terms += f" (starting price), price test ±{row['price_test']:.3g}, step " \
                 f"{row['price_step']:.3g}"
    return (f"shares {shares}; budget rate {row['budget_rate']:.3g} of revenue; "
            f"{row['pricing']} pricing, {terms}; {100 * row['orientation']:.0f} % on customer "
            f"levers (mix coordinate {row['mix']:.2f}: {side})")


def measure_table(summary: pd.DataFrame, reference: str, firm: str,
                   measures: list[str]) -> pd.DataFrame:
    """One firm's measures per profile on fresh seeds, with gaps to ``reference`` (95 % CIs)."""
    s = summary[(summary["reference"] == reference) & (summary["firm"] == firm)]
    rows = []
    for profile, g in s.groupby("profile", sort=False):
        g = g.set_index("measure")
        row = {"profile": profile}
        for m in measures:
            if m not in g.index:
                continue
            r = g.loc[m]
            growth = m == "growth"
            row[m] = _ci(r["mean"], r["ci_low"], r["ci_high"], " %" if growth else "")
            if profile != reference:
                row[f"{m} − {reference}"] = _ci(r["gap"], r["gap_ci_low"], r["gap_ci_high"],
                                                " points" if growth else "")
        rows.append(row)
    return pd.DataFrame(rows).fillna("—")


def markdown(folder: str | Path) -> str:
    """The report of a folder, as Markdown."""
    folder = Path(folder)
    meta = io.read_json(folder / "meta.json")
    decisions = pd.read_parquet(folder / "decisions.parquet")
    summary = pd.read_parquet(folder / "summary.parquet")
    trials = pd.read_parquet(folder / "trials.parquet")
    respond = meta["rivals"] == "respond"
    objective = meta["objective"]
    title = ("best responses" if respond else f"the decision of {meta['firm']}")
    lines = [f"# ccsim optimise: {title} in `{meta['scenario']}`", ""]
    if meta["quick"]:
        lines += ["**A quick check** (a tiny market, the fewest seeds and trials): it shows "
                  "that the machinery runs, not what a firm should do.", ""]
    space = meta["space"]
    floor = meta["growth_floor"]
    lines += [
        "## What was searched", "",
        f"- Market: {meta['n_customers']:,} customers, {meta['steps']} months; the objective "
        f"counts the first **{meta['horizon']} months** (the horizon).",
        f"- Objective (maximised, mean over seeds): **{objective}**, "
        f"{meta['objective_meaning']}"
        + (f", subject to revenue growth (CAGR) ≥ {floor:g} a year." if floor is not None
           else "."),
        f"- Decided: {', '.join(space['parts'])}; levers searched: "
        f"{', '.join(space['levers'])} (simplex: {space['simplex']}); pricing policies: "
        f"{', '.join(space['policies'])}; ranges: "
        + ", ".join(f"{k} {lo:g}–{hi:g}" for k, (lo, hi) in space["ranges"].items()) + ".",
        "- Rivals: " + ("each firm in turn plays its best response" if respond
                        else "fixed, as configured")
        + f"; sampler {meta['sampler']}; {meta['trials']} trials per search on seeds "
        f"{meta['seeds'][0]}–{meta['seeds'][-1]} (common random numbers: every candidate on "
        f"the same {len(meta['seeds'])} seeds); chosen decisions re-run on "
        f"{len(meta['fresh_seeds'])} fresh seeds ({meta['fresh_seeds'][0]}–"
        f"{meta['fresh_seeds'][-1]}).",
        "- Trials: " + ", ".join(f"{n} {s.lower()}" for s, n in meta["trial_states"].items())
        + f"; git commit `{meta['git_commit']}`; overrides: "
        + (" ".join(f"`{o}`" for o in meta["overrides"]) or "none") + ".", ""]
    lines += _respond(meta, folder, decisions, summary) if respond else \
        _fixed(meta, decisions, summary, trials)
    lines += ["## What this rests on", "",
              f"Everything here is a statement about the model as configured: {UNMEASURED}. "
              "A decision found on these premises is what the model's firm should do, not "
              "what a real firm should; rerun with other premises (`--range`, the overrides) "
              "to see how much the answer moves.", "",
              "Files: `trials.parquet` (every trial), `evaluation.parquet` (fresh seeds), "
              "`summary.parquet` (means, intervals, gaps), `decisions.parquet`, "
              + ("`rounds.parquet`, `rounds.png`, " if respond else
                 "`search_path.png`, `frontier.png`, ")
              + "`mix.png`, `meta.json`, "
              + ("`responses/round<r>_<firm>.journal`" if respond else "`search.journal`")
              + " (the searches' logs); the columns: "
              "`ccsim columns optimise_trials` (and the other `optimise_*` tables).", ""]
    return "\n".join(lines)


def optimism_line(d: pd.Series, objective: str, who: str) -> str:
    """How much a decision's search score exceeds its mean on fresh seeds, as a list item."""
    if not math.isfinite(d["search_score"]):
        return f"- {who}: not among the search's trials."
    return (f"- {who}: {_num(d['search_score'])} on the search's seeds, "
            f"{_ci(d['fresh_mean'], d['fresh_ci_low'], d['fresh_ci_high'])} on fresh seeds: "
            f"the search's score is {_num(d['optimism'])} higher "
            f"[{_num(d['optimism_ci_low'])}, {_num(d['optimism_ci_high'])}] "
            f"({_num(100 * d['optimism_share'], 3)} % of the fresh mean).")


def _fixed(meta: dict, decisions: pd.DataFrame, summary: pd.DataFrame,
           trials: pd.DataFrame) -> list[str]:
    firm, objective = meta["firm"], meta["objective"]
    d = decisions.set_index("profile")
    best = d.loc["best"]
    lines = ["## The decision found", "", f"**{firm}**: {decision_line(best)}.", ""]
    if meta["growth_floor"] is not None and "growth_slack" in trials:
        feasible = int((trials["growth_slack"] <= 0).sum())
        lines += [f"{feasible} of {int((trials['state'] == 'COMPLETE').sum())} complete trials "
                  "met the growth floor" + ("" if feasible else
                                            "; **none did**: the decision shown is the best "
                                            "of all, and it misses the floor") + ".", ""]
    measures = [objective, *(m for m in ("profit", "growth") if m != objective)]
    lines += ["## On fresh seeds: the decision found, the firm's plan and the presets", "",
              "Means over the fresh seeds with 95 % Student-t intervals; gaps paired by seed "
              "(the same seed is the same draw of the market for every profile); growth is the "
              "revenue CAGR over the horizon, its gaps in percentage points. `plan` is "
              f"{firm} as configured (its own shares, budget and pricing, given by the "
              "overrides); the presets keep its budget rate and pricing.", "",
              markdown_table(measure_table(summary, "best", firm, measures)), ""]
    plan = summary[(summary["reference"] == "plan") & (summary["firm"] == firm)
                   & (summary["profile"] != "plan")]
    lines += ["### What-if: the plan against the optimum and the presets", ""]
    for profile, g in plan.groupby("profile", sort=False):
        g = g.set_index("measure")
        bits = []
        for m in ("profit", "growth"):
            r = g.loc[m]
            unit = " points" if m == "growth" else ""
            bits.append(f"{m} {_ci(r['gap'], r['gap_ci_low'], r['gap_ci_high'], unit)}")
        lines.append(f"- {profile} − plan: " + "; ".join(bits))
    lines += ["", "## How optimistic the search's own score was", "",
              "The best of many candidates is chosen partly for its luck on the search's "
              "seeds, so its score there overstates what it does on new ones:", "",
              optimism_line(best, objective, "best decision"),
              optimism_line(d.loc["plan"], objective, "plan (chosen before the search: luck "
                                                       "only, no selection)"), ""]
    return lines


def _respond(meta: dict, folder: Path, decisions: pd.DataFrame,
             summary: pd.DataFrame) -> list[str]:
    rounds = pd.read_parquet(folder / "rounds.parquet")
    lines = ["## Where the best responses went", "", settled_text(meta["settled"] or {})]
    table = rounds[["round", "firm", "mix", "pricing", "price", "value", "l1_change",
                    "price_change"]].copy()
    table["price_change"] = 100 * table["price_change"]
    table = table.rename(columns={"value": meta["objective"] + " (search seeds)",
                                  "price_change": "price change %",
                                  "l1_change": "L1 change of shares"})
    lines += ["", markdown_table(table), ""]
    last = decisions[decisions["profile"] != "start"]
    lines += ["Last decisions:", ""]
    lines += [f"- **{r['firm']}**: {decision_line(r)}." for _, r in last.iterrows()]
    end = last["profile"].iloc[0]
    lines += ["", f"## The industry and its customers: `{end}` against the presets' contest",
              "", CONTEST, "", markdown_table(contest_table(summary)), ""]
    firms = summary[(summary["reference"] == "start") & (summary["firm"] != "market")
                    & (summary["measure"].isin(["profit", "price"]))]
    per = firms.pivot_table(index=["firm", "profile"], columns="measure", values="mean",
                            sort=False).reset_index()
    lines += ["Per firm (means over fresh seeds):", "", markdown_table(per), ""]
    return lines


#: What the contest table shows.
CONTEST = ("Fresh seeds; industry profit summed over firms and the horizon (money); consumer "
           "surplus per customer and month (money, the logit inclusive value of the customers "
           "in the market, ODD §7.7). Gaps paired by seed.")


def settled_text(settled: dict) -> str:
    """Whether the best responses settled, cycled or kept moving (``meta.json``'s ``settled``)."""
    if settled.get("settled"):
        return (f"**Settled in round {settled['round']}**: every firm's shares moved by an "
                "L1 distance below 0.05 and its price by less than 1 % for two rounds running.")
    if settled.get("cycle"):
        back = settled["rounds"] - settled["cycle"]
        return (f"**Not settled; a cycle of period {settled['cycle']}**: the last round is "
                f"back within the tolerances of round {back} (rounds "
                f"{settled['cycle_rounds']}).")
    return (f"**Not settled in {settled.get('rounds')} rounds, and no cycle**: the decisions "
            "were still moving; more rounds, or more trials per response (a search that has "
            "not converged moves by itself), may settle them.")


def contest_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Industry profit and consumer surplus at the end and in the presets' contest (start)."""
    market = summary[(summary["reference"] == "start") & (summary["firm"] == "market")]
    rows = []
    for profile, g in market.groupby("profile", sort=False):
        g = g.set_index("measure")
        row = {"profile": profile}
        for m in ("industry_profit", "consumer_surplus"):
            r = g.loc[m]
            row[m] = _ci(r["mean"], r["ci_low"], r["ci_high"])
            if profile != "start":
                row[f"{m} − start"] = _ci(r["gap"], r["gap_ci_low"], r["gap_ci_high"])
        rows.append(row)
    return pd.DataFrame(rows).fillna("—")


def write_report(folder: str | Path) -> Path:
    """Write ``report.md`` into the folder from its saved tables; its path."""
    folder = Path(folder)
    return io.write_text(markdown(folder), folder / "report.md")
