"""Shared helpers of the CLI tests: a byte-exact picture of a folder, to show nothing changed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest


def tree(root: Path) -> dict[str, tuple]:
    """Every path under ``root`` with its kind, size and content hash (links: their target)."""
    found: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = ("dir",)
            else:
                data = path.read_bytes()
                found[rel] = ("file", len(data), hashlib.sha256(data).hexdigest())
    return found


@pytest.fixture(scope="session")
def snapshot():
    """``snapshot(folder)``: every path under it with its kind, size and content hash."""
    return tree
