"""Generated blocks of Markdown files: text between ``<!-- BEGIN GENERATED: name -->`` and its END.

The README and the ODD quote tables computed from saved results; each sits in such a block so
that the study that computes it rewrites it in place and a test can compare it with the source.
"""

from __future__ import annotations

import re
from pathlib import Path


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
