"""Standard figures from saved tables: ``ccsim plot PATH`` and a notebook API.

PATH is a run folder (``timeseries.parquet``, ``summary.json``, optionally ``spells.parquet``)
or a sweep folder: collected (``runs.parquet``, ``firm_kpis.parquet``, ``timeseries.parquet``
written by ``ccsim collect``) or not (then it is collected first). Nothing here needs the model
object. A run folder without ``summary.json`` (a killed or running run) is refused.

Kinds of figure (``--kind``):

==========  =====================================================================================
share       market share over time: per firm for one run; per strategy, mean and 95% CI over
            seeds for a sweep, one panel per setting
revenue     the same for monthly revenue
kpis        each group's revenue growth as the headline defines it (revenue pooled per group),
            then margin, annual retention, NPS and CLV by strategy (mean, 95% CI over seeds),
            one row per setting
headline    sweeps: the headline KPIs of each setting (mean and 95% CI over seeds) and the 2:1
            test (:mod:`sim.analysis.headline`); settings numbered, with a key under the panels
heatmap     a run-level KPI over two swept parameters (``--x``, ``--y``, ``--kpi``); refuses when
            another key varies (narrow with ``--where``)
retention   monthly retention over time; Kaplan–Meier survival of relationships when a run
            folder has ``spells.parquet``
==========  =====================================================================================

A setting is one combination of every swept key other than the seed: sweep figures never
average different settings together, and their titles say what they pool ("mean of 5 seeds");
overrides that every run of the sweep shares are stated on each figure ("same in every run:
firms.cc_a.markup=0.9"). Run figures name the scenario, seed and market size.

One module per figure family: :mod:`.data` (loading and checking folders, settings),
:mod:`.style` (colours, labels), :mod:`.timeseries`, :mod:`.kpis`, :mod:`.headline`,
:mod:`.heatmap`, and :mod:`.figures` (which figures apply, saving, the command line). Every
function ``plot_*`` takes a DataFrame and an optional Matplotlib ``Axes`` (or ``Figure`` for
multi-panel figures) and returns what it drew on, so it composes in a notebook. Colours follow
the strategy group everywhere, the dashboard included (:data:`GROUP_COLORS`; per firm a shade of
its group's hue, :func:`firm_styles`).
"""

from __future__ import annotations

from .data import (
    MAX_SETTINGS,
    InputError,
    Results,
    load_results,
    read_summary,
    run_label,
    select,
    settings,
    swept_params,
)
from .figures import KINDS, applicable_kinds, build_parser, draw, main, make_figures
from .headline import plot_headline
from .heatmap import RUN_KPIS, pick_heatmap_axes, plot_heatmap
from .kpis import FIRM_KPIS, plot_kpis
from .style import GROUP_COLORS, STRATEGY_COLORS, STRATEGY_LABELS, firm_styles, strategy_color
from .timeseries import (
    kaplan_meier_by_strategy,
    plot_retention,
    plot_retention_rate,
    plot_revenue,
    plot_share,
    plot_timeseries,
)

__all__ = [
    "FIRM_KPIS",
    "GROUP_COLORS",
    "KINDS",
    "MAX_SETTINGS",
    "RUN_KPIS",
    "STRATEGY_COLORS",
    "STRATEGY_LABELS",
    "InputError",
    "Results",
    "applicable_kinds",
    "build_parser",
    "draw",
    "firm_styles",
    "kaplan_meier_by_strategy",
    "load_results",
    "main",
    "make_figures",
    "pick_heatmap_axes",
    "plot_headline",
    "plot_heatmap",
    "plot_kpis",
    "plot_retention",
    "plot_retention_rate",
    "plot_revenue",
    "plot_share",
    "plot_timeseries",
    "read_summary",
    "run_label",
    "select",
    "settings",
    "strategy_color",
    "swept_params",
]
