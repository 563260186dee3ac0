"""What the dashboard shows, as plain functions of tables: KPI text, charts, the network picture.

The same functions draw a live model (its ``timeseries()``) and a saved run (its
``timeseries.parquet``), so live and replay cannot show different things for the same numbers.
Firm colours come from :func:`sim.plots.style.firm_styles`, as in ``ccsim plot``: one hue per
strategy group, shades within it. Nothing here imports Solara.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .. import samples
from ..config import Config
from ..metrics import firm_kpis, mix_coordinate, strategy_comparison
from ..plots.style import GROUP_LABELS, NO_FIRM_COLOR, FirmStyle, firm_styles, start_coordinates
from ..runner import RunResult, format_table
from ..strategies import CUSTOMER_LEVERS, LEVERS

#: Colour of a customer who buys from no firm.
NO_FIRM_COLOUR = NO_FIRM_COLOR
#: Acquisition channels drawn in the channel chart: column → (label, colour, line style, marker).
#: Neither hue of the strategy groups, and each line differs in colour, dash and marker.
CHANNELS = {"acq_wom": ("word of mouth", "#222222", "-", "o"),
            "acq_ads": ("advertising", "#CC79A7", "--", "s"),
            "acq_search": ("search", "#8C8C8C", ":", "^"),
            "acq_cross_sell": ("cross-sell", "#B58900", "-.", "D")}
#: Columns of the per-step table (a step's rows of the saved timeseries).
STEP_COLUMNS = ("step", "firm", "customers", "revenue", "margin", "market_share", "nps",
                "acq_wom", "acq_ads", "acq_search", "acq_cross_sell")
#: Panels of the market chart: column → (title with unit, scale).
PANELS = {"market_share": ("market share (% of revenue)", 100.0),
          "revenue": ("revenue (money / month)", 1.0),
          "margin": ("margin (% of revenue)", 100.0),
          "nps": ("NPS (promoters − detractors, points)", 1.0),
          "customers": ("customers", 1.0)}
#: Budget-share colours: product levers in blues, customer levers in oranges (the groups' hues).
LEVER_COLOURS = dict(zip(
    [lv for lv in LEVERS if lv not in CUSTOMER_LEVERS] + list(CUSTOMER_LEVERS),
    ["#08306B", "#2171B5", "#6BAED6",
     "#7F2704", "#A63603", "#D94801", "#F16913", "#FD8D3C", "#FDAE6B", "#FDD0A2"], strict=True))
#: Growth figures (annualised) are shown from this many years of data on; before, the table says
#: ``n/a until month N`` (the metric functions keep their definitions).
GROWTH_YEARS = 1

#: A timeseries before the first step.
EMPTY_TS = pd.DataFrame({col: pd.Series(dtype="object" if col == "firm" else "float64")
                         for col in STEP_COLUMNS})


# ----------------------------------------------------------------------------------------------
# colours


def styles_for(names: Sequence[str], coordinates: Sequence[float]) -> dict[str, FirmStyle]:
    """Each firm's colour and line style from its configured mix coordinate (as ``ccsim plot``)."""
    return firm_styles(list(names), list(coordinates))


def styles_of_ts(ts: pd.DataFrame, names: Sequence[str]) -> dict[str, FirmStyle]:
    """:func:`styles_for` with each firm's coordinate at its first saved step."""
    coords = start_coordinates(ts)
    return styles_for(names, [float(coords.get(n, 0.5)) for n in names])


def model_coordinates(orientations: Sequence[float]) -> list[float]:
    """Mix coordinates of firms' budgets (their ``orientation``: share on customer levers)."""
    return [float(c) for c in mix_coordinate(np.asarray(orientations, dtype=float))]


def palette(styles: dict[str, FirmStyle], names: Sequence[str]) -> list[str]:
    """Firm colours in ``names`` order (index k: the firm at position k)."""
    return [styles[n].color for n in names]


def _colour(colours: Sequence[str], index: int) -> str:
    return NO_FIRM_COLOUR if index < 0 else colours[index]


# ----------------------------------------------------------------------------------------------
# tables


def growth_wait(ts: pd.DataFrame, steps_per_year: int) -> str | None:
    """``"n/a until month 13"`` while the timeseries holds less than a year of growth, else None.

    Revenue CAGR annualises first-to-last growth; a few months annualised give absurd figures
    (+1154% a year at month 5), so the dashboard shows growth from one full year on.
    """
    steps = int(ts["step"].nunique()) if len(ts) else 0
    first = steps_per_year * GROWTH_YEARS + 1
    if steps >= first:
        return None
    unit = "month" if steps_per_year == 12 else "step"
    return f"n/a until {unit} {first}"


#: Headline lines (of :func:`sim.runner.format_headline`) that report growth.
_GROWTH_LINES = ("  revenue CAGR ", "  growth_gap_points ", "  growth_ratio ")
_MULTIPLE_LINE = "  revenue_multiple_ratio "


def run_result(ts: pd.DataFrame, steps_per_year: int, config: Config | None = None) -> RunResult:
    """A :class:`~sim.runner.RunResult` of the steps so far, built as ``runner.run`` builds it.

    ``config`` (the market's, when known) names the discount rate in the table's legend.
    """
    summary = {"steps": int(ts["step"].nunique()) if len(ts) else 0,
               "steps_per_year": steps_per_year,
               "comparison": strategy_comparison(ts, steps_per_year)}
    return RunResult(ts, None, firm_kpis(ts, steps_per_year), summary, config)


def kpi_text(ts: pd.DataFrame, steps_per_year: int, config: Config | None = None) -> str:
    """The KPI table as ``ccsim run`` prints it (``sim.runner.format_table``).

    Before a full year of data, growth (each firm's revenue CAGR and the headline's growth lines)
    reads ``n/a until month 13`` instead of a few months annualised.
    """
    if ts.empty:
        return "(no steps yet: press Step or ▶)"
    result = run_result(ts, steps_per_year, config)
    wait = growth_wait(ts, steps_per_year)
    if wait is None:
        return format_table(result)
    result.kpis["revenue_cagr"] = wait  # printed as is: format_table shows a string verbatim
    lines = format_table(result).split("\n")
    one_step = ts["step"].nunique() < 2  # a revenue multiple compares two months
    for i, line in enumerate(lines):
        if line.startswith(_GROWTH_LINES):
            lines[i] = f"{line[:26]}{wait} (growth is annualised: it needs a full year of data)"
        elif one_step and line.startswith(_MULTIPLE_LINE):
            unit = wait.split()[2]
            lines[i] = f"{line[:26]}n/a until {unit} 2 (it compares the last month with the first)"
    return "\n".join(lines)


def step_rows(ts: pd.DataFrame, step: int) -> pd.DataFrame:
    """The timeseries rows of one step (one per firm), in :data:`STEP_COLUMNS`."""
    rows = ts[ts["step"] == step]
    return rows[list(STEP_COLUMNS)].reset_index(drop=True)


def step_text(ts: pd.DataFrame, step: int) -> str:
    """:func:`step_rows` as fixed-width text (full precision: what the file holds)."""
    rows = step_rows(ts, step)
    if rows.empty:
        return f"(step {step}: no rows)"
    return rows.to_string(index=False, float_format=lambda v: f"{v:.6g}")


# ----------------------------------------------------------------------------------------------
# charts


def limits(tables: Sequence[pd.DataFrame]) -> dict[str, tuple[float, float]]:
    """Y limits of every market panel that hold all ``tables`` (compare: one scale for both).

    Returns:
        Panel column (and ``"channels"``) → (low, high), padded by 5%.
    """
    out: dict[str, tuple[float, float]] = {}
    cols = {**{c: s for c, (_, s) in PANELS.items()}, "channels": 1.0}
    for col, scale in cols.items():
        values = []
        for ts in tables:
            if ts.empty:
                continue
            if col == "channels":
                values.append(ts.groupby("step")[list(CHANNELS)].sum().to_numpy(dtype=float))
            else:
                values.append(ts[col].to_numpy(dtype=float) * scale)
        v = np.concatenate([x.ravel() for x in values]) if values else np.array([])
        v = v[np.isfinite(v)]
        if v.size:
            lo, hi = float(v.min()), float(v.max())
            pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.05
            out[col] = (lo - pad, hi + pad)
    return out


def charts(ts: pd.DataFrame, names: list[str], styles: dict[str, FirmStyle], title: str = "",
           ylims: dict[str, tuple[float, float]] | None = None,
           last_step: int | None = None) -> Figure:
    """Market share, revenue, margin, NPS and customers per firm; acquisitions by channel.

    Args:
        ts: Per-firm, per-step timeseries (a model's ``timeseries()`` or a saved one).
        names: Firm names in configuration order (the legend's order).
        styles: Each firm's colour and line style (:func:`styles_for`).
        title: Optional figure title.
        ylims: Fixed y limits per panel (:func:`limits`), e.g. one scale for two compared runs.
        last_step: Fix the x axis to months 0..last_step (a replay: the axes do not move).
    """
    # fixed margins: a layout engine would measure every tick label on every redraw (~half the
    # time of drawing the figure); the right-hand column holds the two legends, off the data
    fig = Figure(figsize=(11, 5.6))
    fig.subplots_adjust(left=0.06, right=0.80, top=0.92 if title else 0.95, bottom=0.09,
                        wspace=0.32, hspace=0.45)
    axes = fig.subplots(2, 3).ravel()
    wide = {col: ts.pivot_table(index="step", columns="firm", values=col, sort=True)
            for col in PANELS} if not ts.empty else {}
    for ax, (col, (label, scale)) in zip(axes, PANELS.items(), strict=False):
        ax.set_title(label, fontsize=10)
        for name in names:
            if col in wide and name in wide[col]:
                st = styles[name]
                ax.plot(wide[col].index, wide[col][name] * scale, color=st.color,
                        linestyle=st.linestyle, lw=1.5,
                        label=f"{name} ({GROUP_LABELS[st.group]})")
        if col in ("market_share", "margin"):
            ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax = axes[5]
    ax.set_title("acquisitions by channel (all firms)", fontsize=10)
    if not ts.empty:
        by_step = ts.groupby("step")[list(CHANNELS)].sum()
        every = max(1, len(by_step) // 8)
        for col, (label, colour, style, marker) in CHANNELS.items():
            ax.plot(by_step.index, by_step[col], linestyle=style, color=colour, lw=1.6,
                    marker=marker, markersize=3.5, markevery=every, label=label)
        ax.legend(fontsize=8.5, loc="center left", bbox_to_anchor=(1.04, 0.5), frameon=False,
                  title="channel", title_fontsize=8.5)
    for col, ax in zip([*PANELS, "channels"], axes, strict=True):
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(labelsize=8.5)
        ax.set_xlabel("month", fontsize=8.5)
        if ylims and col in ylims:
            ax.set_ylim(*ylims[col])
        if last_step is not None:
            ax.set_xlim(0, max(last_step, 1))
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        axes[2].legend(handles, labels, fontsize=8.5, loc="center left",
                       bbox_to_anchor=(1.04, 0.5), frameon=False, title="firm (group)",
                       title_fontsize=8.5)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def budget_chart(ts: pd.DataFrame, names: list[str], last_step: int | None = None) -> Figure:
    """Each firm's budget shares over time: one panel per firm, the levers stacked to 100%.

    Product levers are blues and customer levers oranges, so the boundary between the two is
    the firm's share on customer levers; each panel's title gives that share at the last step
    (``90% customer levers``).

    Args:
        ts: Per-firm, per-step timeseries with its ``share_<lever>`` columns.
        names: Firm names in configuration order (one panel each).
        last_step: Fix the x axis to months 0..last_step (replay).
    """
    per_row = 5
    rows = max(1, -(-len(names) // per_row))
    cols = min(len(names), per_row) or 1
    height = 2.3 * rows + 0.4
    fig = Figure(figsize=(11, height))
    fig.subplots_adjust(left=0.06, right=0.82, top=1 - 0.55 / height, bottom=0.5 / height,
                        wspace=0.25, hspace=0.7)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True)).ravel()
    shares = [f"share_{lv}" for lv in LEVER_COLOURS]
    for ax, name in zip(axes, names, strict=False):
        g = ts[ts["firm"] == name].sort_values("step") if not ts.empty else ts
        if len(g) and all(c in g for c in shares):
            ax.stackplot(g["step"], *[g[c].to_numpy(dtype=float) * 100 for c in shares],
                         colors=list(LEVER_COLOURS.values()), labels=list(LEVER_COLOURS),
                         linewidth=0)
            on_customers = float(g[[f"share_{lv}" for lv in CUSTOMER_LEVERS]].iloc[-1].sum())
            ax.set_title(f"{name}\n{on_customers:.0%} customer levers", fontsize=8.5)
        else:
            ax.set_title(name, fontsize=8.5)
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax.tick_params(labelsize=8.5)
        ax.set_xlabel("month", fontsize=8.5)
        if last_step is not None:
            ax.set_xlim(0, max(last_step, 1))
    for ax in axes[len(names):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles[::-1], [lv.replace("_", "-") for lv in labels[::-1]], fontsize=8,
                   loc="center right", frameon=False, title_fontsize=8,
                   title="lever, top to bottom\n(oranges: customer)")
    return fig


# ----------------------------------------------------------------------------------------------
# network picture


def network_svg(sample: pd.DataFrame, firms: np.ndarray, names: list[str],
                colours: Sequence[str], size: int = 420) -> str:
    """The sampled customers as an inline SVG: one circle per customer, faint edges.

    Each circle is filled with its firm's colour and carries ``data-firm`` (the firm's name,
    ``none`` for no firm), so a reader and a test see the same.

    Args:
        sample: A network sample (``sim.samples.network_sample``).
        firms: Each sampled customer's firm index (-1: none), in ``sample`` order.
        names: Firm names in configuration order.
        colours: Firm colours in the same order (:func:`palette`).
        size: Width and height in pixels.
    """
    pad = 10.0
    scale = (size - 2 * pad) / 2.0
    x = pad + (sample["x"].to_numpy() + 1.0) * scale
    y = pad + (1.0 - sample["y"].to_numpy()) * scale
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ccsim-network" width="{size}" '
             f'height="{size}" viewBox="0 0 {size} {size}">',
             '<g class="edges" stroke="#666" stroke-opacity="0.15" stroke-width="0.6">']
    for a, b in samples.edges(sample):
        parts.append(f'<line x1="{x[a]:.1f}" y1="{y[a]:.1f}" x2="{x[b]:.1f}" y2="{y[b]:.1f}"/>')
    parts.append('</g><g class="nodes" stroke="white" stroke-width="0.5">')
    for k in range(len(sample)):
        f = int(firms[k])
        label = escape(names[f]) if f >= 0 else "none"
        parts.append(f'<circle cx="{x[k]:.1f}" cy="{y[k]:.1f}" r="4" fill="{_colour(colours, f)}" '
                     f'data-firm="{label}"/>')
    parts.append("</g></svg>")
    return "".join(parts)


def colour_counts(firms: np.ndarray, names: list[str], colours: Sequence[str]) -> pd.DataFrame:
    """How many sampled customers buy from each firm (and from none): the network's legend."""
    counts = np.bincount(np.asarray(firms, dtype=np.int64) + 1, minlength=len(names) + 1)
    return pd.DataFrame({"firm": [*names, "none"],
                         "colour": [*colours, NO_FIRM_COLOUR],
                         "customers": [*counts[1:].tolist(), int(counts[0])]})


def legend_html(counts: pd.DataFrame) -> str:
    """:func:`colour_counts` as an HTML list of coloured swatches with counts."""
    items = "".join(
        f'<li data-firm="{escape(r.firm)}"><span style="display:inline-block;width:10px;'
        f'height:10px;border-radius:5px;background:{r.colour};margin-right:6px"></span>'
        f'{escape(r.firm)}: <b class="count">{r.customers}</b></li>'
        for r in counts.itertuples())
    return (f'<ul class="ccsim-legend" style="list-style:none;padding-left:0;white-space:nowrap">'
            f"{items}</ul>")
