"""Which folders are ccsim's: the marker files that let a run or sweep write into a folder again.

ccsim writes into a folder that already holds something only if ccsim made that folder: a run
folder holds :data:`RUN_MARKER`, a sweep folder :data:`SWEEP_MARKER`, each written when the
folder is first used (a file only ccsim writes; its content says which version wrote it and
when). Any other folder that is not empty is someone else's and is refused, whatever files it
holds (a ``config.yaml`` or ``summary.json`` of one's own included).

Folders written before the markers existed are recognised by what only ccsim wrote into them:
a run by its ``summary.json`` (a JSON object with a ``config_hash``), a sweep by its
``sweep.json`` (a JSON object). They get the marker the next time ccsim writes into them, so
committed results and sweeps in progress keep working.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

#: Marker of a run folder (``ccsim run``'s output, a sweep's job folder, ``sim.runner.run``).
RUN_MARKER = ".ccsim-run"
#: Marker of a sweep folder (``ccsim run -m``'s ``hydra.sweep.dir``).
SWEEP_MARKER = ".ccsim-sweep"

__all__ = ["RUN_MARKER", "SWEEP_MARKER", "FolderError", "claim", "is_run_folder",
           "is_sweep_folder", "prepare_run_folder"]


class FolderError(ValueError):
    """A folder ccsim must not write into; the message says which and why."""


def _read_object(path: Path) -> dict | None:
    """A JSON file's object, or None (missing, unreadable, not JSON, not an object)."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _has_marker(folder: Path, marker: str) -> bool:
    path = folder / marker
    return path.is_file() and not path.is_symlink()


def is_run_folder(folder: str | os.PathLike) -> bool:
    """Whether ccsim wrote this folder as a run: its marker, or a legacy ``summary.json``."""
    root = Path(folder)
    if _has_marker(root, RUN_MARKER):
        return True
    summary = _read_object(root / "summary.json")
    return summary is not None and isinstance(summary.get("config_hash"), str)


def is_sweep_folder(folder: str | os.PathLike) -> bool:
    """Whether ccsim wrote this folder as a sweep: its marker, or a legacy ``sweep.json``."""
    root = Path(folder)
    return _has_marker(root, SWEEP_MARKER) or _read_object(root / "sweep.json") is not None


def claim(folder: str | os.PathLike, marker: str) -> Path:
    """Create ``folder`` if needed and write ``marker`` into it (if it is not there yet).

    Call it only for a folder that was checked (empty, new, or already ccsim's).
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    path = root / marker
    if not _has_marker(root, marker):
        from . import __version__, io

        io.write_json({"written_by": "ccsim", "version": __version__, "time": time.time(),
                       "kind": "sweep" if marker == SWEEP_MARKER else "run"}, path)
    return root


def prepare_run_folder(folder: str | os.PathLike, hydra_record: str | None = None) -> Path:
    """Make ``folder`` a run folder: new or empty, or a run folder already; else refuse.

    Args:
        folder: The run's folder.
        hydra_record: The sub-folder Hydra has just written its record into (``.hydra``),
            not counted as someone else's files.

    Raises:
        FolderError: the folder is a file, a symbolic link, or holds files ccsim did not write.
    """
    root = Path(folder)
    if root.is_symlink():
        raise FolderError(f"{root}: a symbolic link; name a real folder for the run")
    if root.exists() and not root.is_dir():
        raise FolderError(f"{root}: a file, not a folder")
    others = root.is_dir() and any(e.name != hydra_record for e in root.iterdir())
    if others and not is_run_folder(root):
        raise FolderError(f"{root}: holds files that are not a ccsim run (no {RUN_MARKER}); "
                          "name a new or empty folder")
    return claim(root, RUN_MARKER)
