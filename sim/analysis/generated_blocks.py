"""Generated blocks of Markdown files: text between ``<!-- BEGIN GENERATED: name -->`` and its END.

The documentation site (``docs/``: the results page, the ODD) and the README quote tables
computed from saved results; each sits in such a block so that the study that computes it
rewrites it in place and a test can compare it with the source. :data:`HOMES` says which file
holds each block, so writers and tests look in one place.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The repository's root (the files of :data:`HOMES` are relative to it).
ROOT = Path(__file__).resolve().parents[2]

#: Block name → the Markdown file (relative to the repository's root) that holds the table a
#: study writes there. (The ODD's tables that restate the code — parameters, presets, outputs —
#: are docs/params.py's own blocks of docs/ODD.md.) An empty block is allowed (``claims`` waits
#: for the experiments that will fill it).
HOMES: dict[str, str] = {
    "scenarios": "docs/results.md",      # experiments/scenarios/run.py
    "calibration": "docs/results.md",    # experiments/calibration/stylised_facts.py
    "benchmark": "docs/results.md",      # python -m sim.analysis.bench_table --readme FILE
    "stylised_facts": "docs/ODD.md",     # experiments/calibration/stylised_facts.py
    "claims": "README.md",               # the experiments' claims table (not written yet)
    "economics_changes": "docs/economics.md",     # experiments/economics/run.py
    "pricing_combinations": "docs/economics.md",  # experiments/pricing/run.py
    "field_evidence": "docs/results.md",          # ccsim replicate (sim.studies.replicate)
    "fits": "docs/results.md",                    # python -m sim.analysis.fit_report --docs
    "retention_ranges": "docs/results.md",        # python -m sim.studies.retention_ranges
    "field_evidence_odd": "docs/ODD.md",          # the same table, in ODD §12.5
    "claims_summary": "docs/strategist/claims.md",  # python -m sim.analysis.verdict_summary
    "sensitivity_summary": "results/sensitivity/README.md",  # the same command
    "optimise_summary": "docs/results.md",  # the same command, from results/optimise/
}


def home(name: str, root: str | Path | None = None) -> Path:
    """The file that holds block ``name`` (under ``root``, default the repository's root)."""
    return Path(root if root is not None else ROOT) / HOMES[name]


def block_pattern(name: str) -> re.Pattern[str]:
    """The block ``name``: groups (BEGIN line, body, END marker)."""
    return re.compile(rf"(<!-- BEGIN GENERATED: {re.escape(name)} -->\n)(.*?)"
                      rf"(<!-- END GENERATED: {re.escape(name)} -->)", re.S)


def read_block(path: str | Path, name: str) -> str | None:
    """The body of block ``name`` in ``path``, or None if it has none."""
    m = block_pattern(name).search(Path(path).read_text(encoding="utf-8"))
    return m.group(2) if m else None


def rewrite_block(path: str | Path, name: str, body: str) -> None:
    """Replace the body of block ``name`` in ``path`` with ``body``.

    Raises:
        ValueError: ``path`` has no such block (nothing is written).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    pattern = block_pattern(name)
    if not pattern.search(text):
        raise ValueError(f"{path}: no 'BEGIN GENERATED: {name}' block to rewrite")
    path.write_text(pattern.sub(lambda m: m.group(1) + body + m.group(3), text),
                    encoding="utf-8")


def check_page(path: str | Path | None, name: str, flag: str = "--doc") -> Path | None:
    """``path`` if it holds block ``name`` (None: no page to rewrite, also fine).

    Raises:
        ValueError: ``FLAG=PATH: no 'BEGIN GENERATED: name' block`` (a missing page included),
            the one line a study's command line prints before it runs anything.
    """
    if path is None:
        return None
    if not Path(path).is_file() or read_block(path, name) is None:
        raise ValueError(f"{flag}={path}: no 'BEGIN GENERATED: {name}' block")
    return Path(path)
