"""``ccsim decompose``'s printed table: shares only where the gap can be told from 0, and row
labels that never run into their numbers (issue 29). What is computed is tested elsewhere."""

from __future__ import annotations

import re

import pandas as pd

from sim.studies import decompose as dc


def _summary(growth: tuple[float, float, float]) -> pd.DataFrame:
    """A summary as decompose() returns it: baseline growth gap (mean, low, high) as given."""
    rows = []
    for variant in ["baseline", *dc.MECHANISMS, "placebo"]:
        for gap in dc.GAPS:
            b = growth if gap == "growth_gap_points" else (2.0, 1.5, 2.5)
            change = 0.0 if variant == "baseline" else 3.3
            rows.append({"variant": variant, "gap": gap, "n": 2, "baseline": b[0],
                         "baseline_low": b[1], "baseline_high": b[2], "variant_gap": b[0] - change,
                         "change": change, "change_low": change - 1, "change_high": change + 1,
                         "share": change / b[0]})
    return pd.DataFrame(rows)


def _rows(text: str) -> dict[str, str]:
    lines = text.splitlines()
    body = lines[2:lines.index("")]
    return {line.split()[0]: line for line in body}


def test_share_only_where_the_gap_ci_excludes_zero():
    text = dc.format_decomposition(_summary((-1.52, -80.8, 77.7)))  # issue 29's quick run
    assert "growth_gap_points: gap not distinguishable from 0" in text
    assert "margin_gap_points: gap not distinguishable" not in text
    for variant, line in _rows(text).items():
        growth_share, margin_share = re.findall(r"(\S+%|—)(?=\s|$)", line)
        assert growth_share == "—", (variant, line)  # -217% of a gap that may be 0: not shown
        assert margin_share == "+165%", (variant, line)
    clear = dc.format_decomposition(_summary((4.4, 3.5, 5.3)))
    assert "not distinguishable" not in clear
    assert all("+75%" in line for line in _rows(clear).values())
    one_seed = dc.format_decomposition(_summary((4.4, float("nan"), float("nan"))))
    assert "growth_gap_points: gap not distinguishable from 0" in one_seed


def test_row_labels_never_run_into_their_numbers():
    text = dc.format_decomposition(_summary((4.4, 3.5, 5.3)))
    rows = _rows(text)
    assert set(rows) == {*dc.MECHANISMS, "placebo"}
    longest = max(rows, key=len)
    assert longest == "frontline_empowerment"
    for variant, line in rows.items():
        assert re.match(rf"{variant}\s{{2,}}[+-]\d", line), line
    header = text.splitlines()[0]
    assert len({line.find("+3.30") for line in rows.values()}) == 1  # columns line up
    assert header.index("growth_gap") == min(line.find("+3.30") for line in rows.values())
