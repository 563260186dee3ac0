"""Where the customer-centric advantage reverses: the sampled points by thirds of each range.

Reads a sensitivity analysis's ``samples`` table (one row per sample point: the parameter values
and the seed-averaged outputs); never runs the model. An output below zero is a reversed verdict
(the customer-centric group grows more slowly, or earns a lower margin, than the product-centric
one). For each output and parameter the range is cut into equal thirds; each third reports its
points, the share of them with a reversed verdict and the mean output, so a region where the
claim fails shows as a third whose share is high.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["THIRDS", "format_regions", "verdict_regions"]

THIRDS = ("low", "middle", "high")


def verdict_regions(samples: pd.DataFrame, parameters: Sequence, outputs: Sequence[str]
                    ) -> pd.DataFrame:
    """Per output, parameter and third of its range: points, reversed share, mean output.

    Args:
        samples: One row per point, with a column per parameter key and per output.
        parameters: Objects with ``key``, ``low`` and ``high`` (the sampled ranges).
        outputs: Output columns; NaN outputs are left out.

    Returns:
        Columns ``output, parameter, third, low, high, points, reversed_share, mean``.
    """
    rows = []
    for out in outputs:
        y = samples[out].to_numpy(dtype=float)
        ok = np.isfinite(y)
        for p in parameters:
            x = samples[p.key].to_numpy(dtype=float)
            edges = np.linspace(float(p.low), float(p.high), len(THIRDS) + 1)
            which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(THIRDS) - 1)
            for k, name in enumerate(THIRDS):
                sel = ok & (which == k)
                n = int(sel.sum())
                rows.append({"output": out, "parameter": p.key, "third": name,
                             "low": edges[k], "high": edges[k + 1], "points": n,
                             "reversed_share": float((y[sel] < 0).mean()) if n else float("nan"),
                             "mean": float(y[sel].mean()) if n else float("nan")})
    return pd.DataFrame(rows)


def format_regions(regions: pd.DataFrame, samples: pd.DataFrame, top: int = 6) -> str:
    """Printed summary: the overall reversed share per output, then its most reversed thirds."""
    lines = []
    for out, g in regions.groupby("output", sort=False):
        y = samples[out].to_numpy(dtype=float)
        y = y[np.isfinite(y)]
        lines.append(f"{out}: reversed (< 0) at {(y < 0).sum()} of {y.size} points "
                     f"({100 * (y < 0).mean() if y.size else float('nan'):.0f}%)")
        worst = g[g["points"] > 0].sort_values("reversed_share", ascending=False).head(top)
        for r in worst.itertuples():
            lines.append(f"  {r.parameter} in [{r.low:.3g}, {r.high:.3g}] ({r.third} third): "
                         f"reversed at {100 * r.reversed_share:.0f}% of {r.points} points, "
                         f"mean {r.mean:+.2f}")
    return "\n".join(lines)
