"""Observed data the model is fitted to, shipped with the package (sources: ``README.md`` here).

Read them with :func:`read_csv` (through :mod:`importlib.resources`, so an installed package
finds them too).
"""

from __future__ import annotations

from importlib.resources import files

import pandas as pd

__all__ = ["read_csv", "text"]


def read_csv(name: str) -> pd.DataFrame:
    """One of the package's data files as a table (``bass_series.csv``, ...)."""
    with (files(__name__) / name).open("r", encoding="utf-8") as f:
        return pd.read_csv(f)


def text(name: str) -> str:
    """One of the package's data files as text (e.g. ``README.md``)."""
    return (files(__name__) / name).read_text(encoding="utf-8")
