"""``verdict.md``: an experiment's verdict in words, generated from its saved CSVs alone.

:func:`render` reads a results folder (``experiment.yaml``, ``stamp.json``, ``summary.csv``,
``arms.csv``, ``premises.csv``, ``points.csv``, ``prim.csv``, ``prim_boxes.csv`` and the figures
there) and returns the Markdown; nothing else goes into it, so the same folder always gives
the same text (a test regenerates each committed ``verdict.md`` and compares). The verdict
quotes the claim with its seed file, states the design, gives the numbers with their 95%
confidence intervals, names the premises it rests on and the region where it holds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import yaml

__all__ = ["fmt", "render", "region_line"]

UNDEFINED = {"fail": "a seed where it is undefined counts as one where the claim is not met",
             "drop": "seeds where it is undefined are left out"}


def fmt(x: object, digits: int = 3) -> str:
    """A number for a table: ``digits`` significant digits, ``n/a`` when missing."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(v):
        return "n/a"
    if v != 0 and (abs(v) >= 10 ** 6 or abs(v) < 10 ** -3):
        return f"{v:.{digits}g}"
    text = f"{v:.{max(0, digits - 1 - int(math.floor(math.log10(abs(v)))))}f}" if v else "0"
    return text


def _ci(row: pd.Series) -> str:
    lo, hi = fmt(row["ci_low"]), fmt(row["ci_high"])
    return "n/a" if "n/a" in (lo, hi) else f"[{lo}, {hi}]"


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.is_file() \
        else pd.DataFrame()


def region_line(boxes: pd.DataFrame, prim: pd.DataFrame, target: str) -> str:
    """PRIM's answer for one target in one line (the restricted premises of the chosen box)."""
    traj = prim[prim["target"] == target] if not prim.empty else prim
    if traj.empty:
        return "not sampled"
    note = str(traj["note"].iloc[0])
    box = boxes[(boxes["target"] == target)] if not boxes.empty else boxes
    restricted = box[box["restricted"].astype(str) == "True"] if not box.empty else box
    if box.empty:
        return note
    if restricted.empty:
        return f"everywhere sampled ({note})"
    parts = []
    for r in restricted.itertuples():
        if isinstance(r.categories, str) and r.categories:
            parts.append(f"{r.premise} ∈ {{{r.categories.replace('|', ', ')}}}")
        else:
            parts.append(f"{r.premise} ∈ [{fmt(r.low)}, {fmt(r.high)}]")
    return "; ".join(parts) + f" ({note})"


def render(folder: str | Path) -> str:
    """The Markdown of ``verdict.md`` for a results folder."""
    folder = Path(folder)
    spec = yaml.safe_load((folder / "experiment.yaml").read_text(encoding="utf-8"))
    stamp = json.loads((folder / "stamp.json").read_text(encoding="utf-8"))
    summary = _read(folder, "summary.csv")
    arms, premises = _read(folder, "arms.csv"), _read(folder, "premises.csv")
    points, prim = _read(folder, "points.csv"), _read(folder, "prim.csv")
    boxes = _read(folder, "prim_boxes.csv")
    name = stamp["experiment"]
    summary[["unit", "note", "arms"]] = summary[["unit", "note", "arms"]].fillna("")
    claim = summary[summary["role"] == "claim"].iloc[0]
    c = spec["claim"]
    essay = str(spec["seed_file"]).split("_")[0]
    lines = [f"# {name}: {spec['title']}", "",
             f"> “{' '.join(str(spec['claim_text']).split())}”", ">",
             f"> — essay {essay} (`seeds/{spec['seed_file']}`)", "",
             f"**Question.** {' '.join(str(spec['question']).split())}", "",
             f"**Tested as** `{claim['quantity'].removeprefix('claim: ')}` at each seed "
             f"({UNDEFINED[c.get('undefined', 'fail')]}); it holds where the lower 95% bound "
             "over at least 5 seeds clears the threshold (the upper bound for a ≤ or < claim), "
             "fails where the other bound misses it, and is inconclusive otherwise.", "",
             f"**Verdict at the base point: {claim['verdict']}** — {claim['metric']} "
             f"{fmt(claim['estimate'])}{' ' + claim['unit'] if claim['unit'] else ''} (95% CI "
             f"{_ci(claim)}): {claim['note']}.", ""]
    if stamp.get("form") == "quick":
        lines += ["*Quick form: a tiny market and few seeds, a check of the machinery — not "
                  "a result.*", ""]
    # design
    sizes = (f"{stamp['customers']:,} customers × {stamp['months']} months")
    scen = ", ".join(stamp.get("scenarios", [])) or "as configured"
    lines += ["## Design", "",
              f"- Model: git `{stamp['git_commit']}`" + (" (with uncommitted changes)"
                                                         if stamp.get("git_dirty") else "")
              + f"; {stamp['form']} form; run {stamp['date']} in {stamp['seconds']:.0f} s "
              f"({stamp['jobs']} runs).",
              f"- Base point: scenario {scen}, {sizes}; base overrides: "
              f"`{' '.join(spec.get('base') or []) or 'none'}`.",
              f"- Arms, on common random numbers (seeds 0–{stamp['seeds'] - 1} in every arm):"]
    for r in arms.itertuples():
        off = f" (mechanisms off: {r.off})" if isinstance(r.off, str) and r.off else ""
        ov = r.overrides if isinstance(r.overrides, str) and r.overrides else "as configured"
        lines.append(f"  - `{r.arm}`: `{ov}`{off}")
    hw = stamp.get("half_width", {})
    if hw.get("target") is not None:
        lines.append(f"- Seeds per arm from a target CI half-width of {fmt(hw['target'])} on the "
                     f"claim: {hw['first_seeds']} seeds gave {fmt(hw['first'])}, so "
                     f"{stamp['seeds']} were run (at most {hw['cap']}); half-width now "
                     f"{fmt(hw['final'])}.")
    if stamp.get("points"):
        lines.append(f"- Region: {stamp['points']} Latin-hypercube points (seed "
                     f"{stamp['lhs_seed']}) over the premises below, {stamp['point_seeds']} "
                     f"seeds each of the claim's arms, {stamp['point_customers']:,} customers × "
                     f"{stamp['point_months']} months.")
    lines += ["", "## Numbers", "",
              "| quantity | arms | estimate | 95% CI | seeds | unit | note |",
              "|---|---|---|---|---|---|---|"]
    for r in summary.itertuples():
        row = summary.loc[r.Index]
        note = r.note if isinstance(r.note, str) else ""
        lines.append(f"| {r.quantity} | {r.arms} | {fmt(r.estimate)} | {_ci(row)} | "
                     f"{int(r.seeds) if r.seeds == r.seeds else 0} | {r.unit} | {note} |")
    lines += ["", "## Premises the verdict rests on", "",
              "At the base point the premises are the scenario's and the arms' settings above. "
              "The region varies these, each over a documented range:", ""]
    if premises.empty:
        lines.append("(no premises sampled)")
    else:
        lines += ["| premise | range | why |", "|---|---|---|"]
        for r in premises.itertuples():
            rng = r.range if not (isinstance(r.presets, str) and r.presets) else r.presets
            lines.append(f"| `{r.premise}` | {rng} | {r.why} |")
    lines += ["", "## Where it holds", ""]
    if points.empty:
        lines.append("Not sampled in this form.")
    else:
        counts = points["verdict"].value_counts()
        n = len(points)
        lines.append("Verdict at the " + f"{n} points: " + ", ".join(
            f"{v} at {int(counts.get(v, 0))} ({100 * counts.get(v, 0) / n:.0f}%)"
            for v in ("holds", "fails", "inconclusive")) + ".")
        lines += ["", "PRIM (peeling α 0.05, minimum mass 0.05; the box with the highest "
                  "coverage among those with density ≥ 0.8):", "",
                  f"- **holds** vs the rest: {region_line(boxes, prim, 'holds')}",
                  f"- **fails** vs the rest: {region_line(boxes, prim, 'fails')}"]
        thirds = _read(folder, "regions.csv")
        if not thirds.empty and thirds["points"].sum() > 0:
            worst = thirds[thirds["points"] > 0].sort_values(
                ["reversed_share", "points"], ascending=[False, False], kind="stable").head(3)
            lines += ["", "By thirds of each numeric premise's range (`regions.csv`), the "
                      "estimate misses the claim's threshold most often at: " + "; ".join(
                          f"{r.parameter} in [{fmt(r.low)}, {fmt(r.high)}] "
                          f"({100 * r.reversed_share:.0f}% of {int(r.points)} point"
                          f"{'s' * (int(r.points) != 1)})"
                          for r in worst.itertuples()) + "."]
    figures = sorted(p.name for p in folder.glob("*.png"))
    lines += ["", "## Figures", ""]
    lines += [f"- [{f}]({f}) ([PDF]({f.removesuffix('.png')}.pdf))" for f in figures] or \
        ["(none drawn)"]
    lines += ["", "## Reproduce", "", "```"]
    lines += list(stamp.get("commands", []))
    lines += ["```", ""]
    return "\n".join(lines)
