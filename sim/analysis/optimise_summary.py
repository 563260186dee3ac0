"""The results page's account of the committed optimisation runs, from their saved tables only.

``make optimise`` writes two folders under ``results/optimise/`` (issue 28): ``default``, one
firm's best decision against rivals held fixed, and ``respond_default``, the firms' alternating
best responses. :func:`markdown` says for each what was found, with the 95 % intervals of the
fresh seeds, how optimistic the search's own score was, and what the answer rests on; a folder
not run yet is named as such. ``python -m sim.analysis.verdict_summary`` writes it into the
results page's ``optimise_summary`` block (a test compares the block with the tables).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import io
from .fit_report import markdown_table
from .optimise_report import (
    CONTEST,
    UNMEASURED,
    contest_table,
    decision_line,
    measure_table,
    optimism_line,
    settled_text,
)

__all__ = ["FOLDERS", "markdown"]

#: The committed folders (under ``results/optimise/``): what each answers, its time on 2 cores.
FOLDERS = {
    "default": ("one firm's best decision against rivals held fixed", "about 1 h"),
    "respond_default": ("the firms' alternating best responses", "about 2 h"),
}


def _searched(meta: dict) -> str:
    quick = " **(a quick check, not a finding)**" if meta["quick"] else ""
    return (f"`{meta['scenario']}`, {meta['n_customers']:,} customers × {meta['steps']} months; "
            f"objective {meta['objective']} over {meta['horizon']} months; {meta['trials']} "
            f"trials per search × {len(meta['seeds'])} seeds, chosen decisions re-run on "
            f"{len(meta['fresh_seeds'])} fresh seeds; git `{meta['git_commit'][:12]}`{quick}")


def _fixed(folder: Path, meta: dict) -> list[str]:
    firm, objective = meta["firm"], meta["objective"]
    decisions = pd.read_parquet(folder / "decisions.parquet").set_index("profile")
    summary = pd.read_parquet(folder / "summary.parquet")
    measures = [objective, *(m for m in ("profit", "growth") if m != objective)]
    best = decision_line(decisions.loc["best"])
    return [f"**{firm}'s best decision** ({_searched(meta)}): {best}.",
            "", "On fresh seeds, against the firm's own plan and the presets (means, 95 % "
            "intervals; gaps paired by seed; growth in % a year, its gaps in points):", "",
            markdown_table(measure_table(summary, "best", firm, measures)), "",
            optimism_line(decisions.loc["best"], objective, "How optimistic the search was"),
            ""]


def _respond(folder: Path, meta: dict) -> list[str]:
    decisions = pd.read_parquet(folder / "decisions.parquet")
    summary = pd.read_parquet(folder / "summary.parquet")
    last = decisions[decisions["profile"] != "start"]
    return [f"**Best responses** ({_searched(meta)}): {settled_text(meta['settled'] or {})}",
            "", "Where they ended:", "",
            *(f"- **{r['firm']}**: {decision_line(r)}." for _, r in last.iterrows()), "",
            "The industry and its customers there, against the presets' contest (`start`):",
            "", CONTEST, "", markdown_table(contest_table(summary)), ""]


def markdown(root: str | Path) -> str:
    """The block's Markdown for the repository at ``root`` (its ``results/optimise/``)."""
    base = Path(root) / "results" / "optimise"
    lines: list[str] = []
    for name, (what, hours) in FOLDERS.items():
        folder = base / name
        lines += [f"### {what[0].upper()}{what[1:]} (`results/optimise/{name}`)", ""]
        if not (folder / "meta.json").is_file():
            lines += [f"Not run yet: `make optimise` writes it ({hours} on 2 cores; "
                      "resumable).", ""]
            continue
        meta = io.read_json(folder / "meta.json")
        lines += _respond(folder, meta) if meta["rivals"] == "respond" else _fixed(folder, meta)
        lines += [f"The whole report: `results/optimise/{name}/report.md`.", ""]
    lines += [f"**What this rests on.** {UNMEASURED[0].upper()}{UNMEASURED[1:]}. A decision "
              "found on these premises is what the model's firm should do, not what a real "
              "firm should."]
    return "\n".join(lines) + "\n"
