"""What the dashboard shows, as plain functions of tables: KPI text, charts, the network picture.

The same functions draw a live model (its ``timeseries()``) and a saved run (its
``timeseries.parquet``), so live and replay cannot show different things for the same numbers.
Nothing here imports Solara.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import samples
from ..metrics import firm_kpis, strategy_comparison
from ..runner import RunResult, format_table

#: One colour per firm, in the order the firms are configured (matplotlib's tab10).
FIRM_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
                "#7b4173")
#: Colour of a customer who buys from no firm.
NO_FIRM_COLOUR = "#c8c8c8"
#: Acquisition channels drawn in the channel chart: column → label.
CHANNELS = {"acq_wom": "word of mouth", "acq_ads": "advertising", "acq_search": "search",
            "acq_cross_sell": "cross-sell"}
#: Columns of the per-step table (a step's rows of the saved timeseries).
STEP_COLUMNS = ("step", "firm", "customers", "revenue", "margin", "market_share", "nps",
                "acq_wom", "acq_ads", "acq_search", "acq_cross_sell")

#: A timeseries before the first step.
EMPTY_TS = pd.DataFrame({col: pd.Series(dtype="object" if col == "firm" else "float64")
                         for col in STEP_COLUMNS})


def firm_colour(index: int) -> str:
    """Colour of the firm at position ``index`` (-1: no firm)."""
    return NO_FIRM_COLOUR if index < 0 else FIRM_COLOURS[index % len(FIRM_COLOURS)]


def run_result(ts: pd.DataFrame, steps_per_year: int, config: object = None) -> RunResult:
    """A :class:`~sim.runner.RunResult` of the steps so far, built as ``runner.run`` builds it.

    ``config`` (the run's :class:`~sim.config.Config`) lets the table state the CLV discount
    rate; the steps so far and ``steps_per_year`` give its windows.
    """
    return RunResult(ts, None, firm_kpis(ts, steps_per_year),
                     {"steps": int(ts["step"].max()), "steps_per_year": steps_per_year,
                      "comparison": strategy_comparison(ts, steps_per_year)}, config)


def kpi_text(ts: pd.DataFrame, steps_per_year: int, config: object = None) -> str:
    """The KPI table exactly as ``ccsim run`` prints it (``sim.runner.format_table``)."""
    if ts.empty:
        return "(no steps yet: press Step or ▶)"
    return format_table(run_result(ts, steps_per_year, config))


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


def charts(ts: pd.DataFrame, firms: list[str], title: str = "") -> Figure:
    """Market share, revenue, margin, NPS and customers per firm; acquisitions by channel.

    Args:
        ts: Per-firm, per-step timeseries (a model's ``timeseries()`` or a saved one).
        firms: Firm names in configuration order (sets each firm's colour).
        title: Optional figure title.
    """
    # fixed margins: a layout engine would measure every tick label on every redraw (~half the
    # time of drawing the figure)
    fig = Figure(figsize=(11, 5.6))
    fig.subplots_adjust(left=0.06, right=0.99, top=0.93 if title else 0.95, bottom=0.14,
                        wspace=0.28, hspace=0.42)
    axes = fig.subplots(2, 3).ravel()
    panels = (("market_share", "market share (revenue)", 100.0, "%"),
              ("revenue", "revenue per month", 1.0, ""),
              ("margin", "margin", 100.0, "%"),
              ("nps", "NPS", 1.0, ""),
              ("customers", "customers", 1.0, ""))
    wide = {col: ts.pivot_table(index="step", columns="firm", values=col, sort=True)
            for col, *_ in panels} if not ts.empty else {}
    for ax, (col, label, scale, unit) in zip(axes, panels, strict=False):
        ax.set_title(label + (f" ({unit})" if unit else ""), fontsize=10)
        for k, name in enumerate(firms):
            if col in wide and name in wide[col]:
                ax.plot(wide[col].index, wide[col][name] * scale, color=firm_colour(k),
                        lw=1.4, label=name)
    ax = axes[5]
    ax.set_title("acquisitions by channel (all firms)", fontsize=10)
    if not ts.empty:
        by_step = ts.groupby("step")[list(CHANNELS)].sum()
        for (col, label), style in zip(CHANNELS.items(), ("-", "--", ":", "-."), strict=True):
            ax.plot(by_step.index, by_step[col], style, color="black", lw=1.2, label=label)
        ax.legend(fontsize=7, loc="upper right")
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(labelsize=8)
        ax.set_xlabel("month", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8,
                   frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def network_svg(sample: pd.DataFrame, firms: np.ndarray, names: list[str],
                size: int = 420) -> str:
    """The sampled customers as an inline SVG: one circle per customer, faint edges.

    Each circle is filled with its firm's colour (:func:`firm_colour`) and carries
    ``data-firm`` (the firm's name, ``none`` for no firm), so a reader and a test see the same.

    Args:
        sample: A network sample (``sim.samples.network_sample``).
        firms: Each sampled customer's firm index (-1: none), in ``sample`` order.
        names: Firm names in configuration order.
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
        parts.append(f'<circle cx="{x[k]:.1f}" cy="{y[k]:.1f}" r="4" fill="{firm_colour(f)}" '
                     f'data-firm="{label}"/>')
    parts.append("</g></svg>")
    return "".join(parts)


def colour_counts(firms: np.ndarray, names: list[str]) -> pd.DataFrame:
    """How many sampled customers buy from each firm (and from none): the network's legend."""
    counts = np.bincount(np.asarray(firms, dtype=np.int64) + 1, minlength=len(names) + 1)
    return pd.DataFrame({"firm": [*names, "none"],
                         "colour": [firm_colour(k) for k in range(len(names))] + [NO_FIRM_COLOUR],
                         "customers": [*counts[1:].tolist(), int(counts[0])]})


def legend_html(counts: pd.DataFrame) -> str:
    """:func:`colour_counts` as an HTML list of coloured swatches with counts."""
    items = "".join(
        f'<li data-firm="{escape(r.firm)}"><span style="display:inline-block;width:10px;'
        f'height:10px;border-radius:5px;background:{r.colour};margin-right:6px"></span>'
        f'{escape(r.firm)}: <b class="count">{r.customers}</b></li>'
        for r in counts.itertuples())
    return f'<ul class="ccsim-legend" style="list-style:none;padding-left:0">{items}</ul>'
