"""Generate the tables of ``docs/ODD.md`` that restate the code: parameters, scenarios, presets.

Everything a table says about a parameter — its key, default, type, range and unit — is read
from the dataclasses in ``sim/config.py`` (their ``metadata``); only the column "where the
default comes from" and a few notes for fields without help text live here, in
:data:`SOURCES` and :data:`NOTES`. Scenario and firm-preset tables are read from ``conf/``, the
strategy presets from ``sim/strategies.py`` and the output columns from ``sim/model.py``
with their units and meanings from the data dictionary (``sim/column_tables.py``).

Each table sits in ``docs/ODD.md`` between ``<!-- BEGIN GENERATED: name -->`` and
``<!-- END GENERATED: name -->``; everything else in the file is hand-written.

Usage (from the repository root, with the project's virtualenv active)::

    python docs/params.py           # rewrite the generated blocks of docs/ODD.md in place
    python docs/params.py --check   # exit 1, naming the stale blocks, if docs/ODD.md is stale
    python docs/params.py --print   # print the generated blocks to stdout
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402  (PyYAML ships with OmegaConf)

from sim import config as C  # noqa: E402
from sim import strategies as S  # noqa: E402
from sim.analysis.generated_blocks import block_pattern  # noqa: E402

MODEL = "modelling choice, to be calibrated"
RECALIBRATED = ("re-calibrated on the published field studies (issue 26: "
                "`python -m sim.studies.recalibrate`, results/recalibration, best trial #118; "
                "ODD §12.5)")
#: The premises issue 26's re-calibration set (experiments/recalibration/space.yaml).
RECALIBRATED_KEYS = (
    "market.levers.insight.half_saturation", "market.levers.personalisation.half_saturation",
    "market.levers.service.half_saturation", "market.levers.retention.half_saturation",
    "market.levers.cross_sell.half_saturation", "market.levers.recovery.half_saturation",
    "market.economics.personalisation_reach", "market.economics.estimate_error",
    "market.economics.learn_rate", "market.economics.cross_sell_trigger",
    "market.economics.retention_offer", "market.choice.beta_service",
    "market.choice.beta_cross_sell", "market.experience.disconfirmation_weight",
    "market.awareness.referral_trigger")
ESSAY_000 = "essay 000"
ESSAY_003 = "essay 003"
SULTAN = "Sultan, Farley & Lehmann (1990)"

#: Where each default comes from. Keys are full dotted keys (firm fields as
#: ``firms.<name>.<field>``, categories as ``market.categories.<name>.<field>``). A key that is
#: not listed gets :data:`MODEL`. Cite literature only where the default really comes from it.
SOURCES: dict[str, str] = {
    "seed": "run input, not a model parameter",
    "name": "label only",
    "market.n_customers": "modelling choice (a regional market); budgets, fixed costs and "
                          "assets scale with it",
    "market.steps": "modelling choice: ten years of months",
    "market.steps_per_year": "follows from the one-month step",
    "market.network.kind": "modelling choice: clustered networks with short paths "
                           "(Watts & Strogatz 1998)",
    "market.network.rewire_prob": "modelling choice inside the small-world range of "
                                  "Watts & Strogatz (1998); to be calibrated",
    "market.network.homophily": "off by default; modelling choice",
    "market.network.generator": "not a model parameter: networkx made every committed result; "
                                "numba for 10^6+ customers (issue 14)",
    "market.awareness.ad_response": (
        f"{ESSAY_003}: a 10% response is 'a declaration of success', so the default is well "
        f"below it; equals the Bass innovation coefficient p ≈ 0.03 of the meta-analysis of "
        f"{SULTAN}, to which it reduces in `scenario=bass`"),
    "market.awareness.ad_fatigue": (
        f"{MODEL} ({ESSAY_003}: customers 'have become immune to marketing messages')"),
    "market.awareness.wom_strength": (
        f"{MODEL}; same order as the Bass imitation coefficient q ≈ 0.38 ({SULTAN}), to which "
        f"it reduces on a fully mixed market (`scenario=bass` sets 0.38)"),
    "market.awareness.neg_wom_multiplier": f"{MODEL} (a warning weighs more than praise)",
    "market.experience.promoter_threshold": (
        "calibrated (issue 13, stage 3a): Reichheld (2003)'s promoters answer 9–10 on the "
        "survey's 0–10 scale; the model's score is its own construct, so the survey's cut-offs "
        "are shifted by one offset until the mean NPS over firms in years 2–10 is Reichheld's "
        "typical +5 to +10 (experience economy: +7.4 at 7.25; experiments/calibration/nps.py "
        "with search_space_nps_v2.yaml, results/calibration/search/nps_points_v2.csv)"),
    "market.experience.detractor_threshold": (
        "Reichheld (2003): detractors answer 0–6, three points below promoters; kept 3 below "
        "`promoter_threshold` (calibrated with it)"),
    "market.awareness.referral_trigger": RECALIBRATED,
    "market.choice.beta_price": (
        "calibrated (issue 13): price elasticity of the firm's share of choices ≈ −2.62, "
        "Bijmolt, van Heerde & Pieters (2005); search and log in experiments/calibration/ and "
        "results/calibration/search/"),
    "market.choice.beta_ad": (
        "calibrated (issue 13): short-run advertising elasticity of sales ≈ 0.12, Sethuraman, "
        "Tellis & Briesch (2011); search as for `beta_price`"),
    "market.choice.outside_utility": (
        "set with `beta_price` by the calibration's rule 3 − 0.66 × (beta_price − 2), which keeps "
        "the pre-calibration gap between buying at the mean price and buying nothing "
        "(experiments/calibration/search_space.yaml)"),
    "market.levers.advertising.carryover": (
        "calibrated (issue 13, stage 3: search_space_v3.yaml) over {0.45, 0.6}, at the short end "
        "of the 3–9 months to 90 % of an advertising effect of Clarke (1976) (monthly 0.46–0.77); "
        "long ÷ short run ≈ 2 in Sethuraman et al. (2011)"),
    "market.churn.base": (
        f"{MODEL} (e.g. by fitting the sBG model of Fader & Hardie 2007 to observed cohorts)"),
    "market.churn.sensitivity": f"{MODEL} (as for `market.churn.base`)",
    "market.churn.threshold": f"{MODEL} (as for `market.churn.base`)",
    "market.economics.tangible_assets": (
        f"{MODEL}; results are compared with, not calibrated to, the 80/20 tangible/intangible "
        f"split of {ESSAY_003}"),
    "market.economics.discount_rate": f"{MODEL} (a conventional annual rate)",
    "firms.<name>.strategy": f"modelling choice; presets after {ESSAY_003} and {ESSAY_000}",
    "firms.<name>.objective": f"modelling choice ({ESSAY_003}: bonus structures)",
    "firms.<name>.review_every": f"{MODEL} (an annual review)",
    "firms.<name>.pricing": "issue 24: value_based for every firm (each firm the same pricing "
                            "competence); cost_plus, the rule before it, is reported beside it "
                            "(docs/economics.md) and is a factor of the sensitivity analysis",
    "firms.<name>.price_test": "issue 24's design (±2 %, enough variation in a year to "
                               "identify the slope in the oracle market, ODD §7.13.1)",
    "firms.<name>.price_window": "issue 24's design (the last 12 months)",
    "firms.<name>.price_step": "*assumed*: large enough for the oracle's equilibrium to be "
                               "reached in 5 annual reviews from the cost-plus start; measured "
                               "regular price changes are smaller (about 8.5 % at the median, "
                               "Nakamura & Steinsson 2008), so the bound is loose",
    "firms.<name>.price_ceiling": "*assumed*: a backstop, never reached in the oracle",
    "firms.<name>.pivot.at": (f"modelling choice: the pivot of {ESSAY_003} (B2B firms gain by "
                              "pivoting) and Lee et al. (2015); 0 = none"),
    "output.spells": "not a model parameter",
    "output.network_sample": "not a model parameter",
    "output.progress": "not a model parameter",
    "output.print_table": "not a model parameter",
    **{key: RECALIBRATED for key in RECALIBRATED_KEYS},
}

#: Meanings for fields without ``help`` metadata, and notes appended to some that have it.
NOTES: dict[str, str] = {
    "name": "label of the run (output folder, progress bar, summary)",
    "market.network.kind": "network generator: `small_world` (Watts–Strogatz), `scale_free` "
                           "(Barabási–Albert), `random` (G(n, p), or a stochastic block model "
                           "when `homophily` > 0), `fully_mixed` (no edges: everyone hears "
                           "market-wide shares)",
    "market.network.mean_degree": "small_world rounds it down to an even number, scale_free "
                                  "attaches ⌊k/2⌋ edges per node",
    "firms.<name>.strategy": "one of `product_centric`, `customer_centric`, `mix`, `custom`",
    "firms.<name>.objective": "what steers budget re-allocation: `fixed` (never re-allocates), "
                              "`revenue`, `clv`",
    "firms.<name>.shares": "levers: " + ", ".join(f"`{k}`" for k in S.LEVERS),
    "firms.<name>.pivot.to": "what `strategy` takes; capability stocks carry over",
    "firms.<name>.pivot.shares": "levers: " + ", ".join(f"`{k}`" for k in S.LEVERS),
    "market.choice.beta_cross_sell": "in code the pull applies whenever the firm serves the "
                                     "customer in another category, triggered or not (§7.7)",
    "market.churn.sensitivity": "hazard = base + sensitivity × max(0, threshold − "
                                "satisfaction)/10",
    "market.economics.learn_rate": "× the insight capability, which buys data unification "
                                   "and analytics together (§7.12)",
    "market.economics.service_cost": "× unit cost × service level, per unit sold; in the list "
                                     "price (§7.13)",
    "market.economics.personalisation_cost": "× unit cost × personalisation level, per unit "
                                             "sold; in the list price (§7.13)",
    "market.economics.half_saturation": "appeal = stock / (stock + half_saturation × N) "
                                        "(neutral levers, §7.12)",
    "market.economics.max_discount": "discount = min(max_discount, promotion budget ÷ last "
                                     "month's list revenue) (§7.13)",
}

#: Units shown instead of the metadata's, where the metadata's is wrong (marked † in the table).
#: Empty since the metadata's units were corrected; remove an entry here once the metadata is fixed.
UNIT_FIX: dict[str, str] = {}

# ----------------------------------------------------------------------------------------------
# Formatting


def fmt_value(value: Any) -> str:
    """A default as written in the tables (YAML-like: null, true/false, {}, numbers by repr)."""
    if isinstance(value, Enum):
        return str(value.value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fmt_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _fmt_bound(x: float | int) -> str:
    if x == 2**63 - 1:
        return "2⁶³−1"
    if abs(x) >= 1e5:
        mantissa, exp = f"{float(x):.0e}".split("e")
        return f"{mantissa}e{int(exp)}" if float(mantissa) * 10 ** int(exp) == x else str(x)
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "enum"
    if origin is dict:
        return "dict"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return f"{_type_name(args[0])} or null"
    return getattr(tp, "__name__", str(tp))


def fmt_range(tp: Any, meta: dict) -> str:
    """Type and allowed range, e.g. ``float [0, 1]`` or ``enum``."""
    name = _type_name(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "enum: " + ", ".join(m.value for m in tp)
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return name
    left = "(" if meta.get("lo_open") else "["
    lo_s = "−∞" if lo is None else _fmt_bound(lo)
    hi_s = "∞" if hi is None else _fmt_bound(hi)
    return f"{name} {left}{lo_s}, {hi_s}]"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# ----------------------------------------------------------------------------------------------
# The schema as rows


@dataclasses.dataclass
class Row:
    """One parameter of the schema."""

    key: str
    default: Any
    type_: Any
    meta: dict
    group: str
    group_doc: str


def schema_rows() -> list[Row]:
    """Every configuration key of :class:`sim.config.Config`, in declaration order."""
    rows: list[Row] = []

    def walk(cls: type, obj: Any, prefix: str, group: str) -> None:
        hints = typing.get_type_hints(cls)
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        for f in dataclasses.fields(cls):
            tp = hints[f.name]
            key = f"{prefix}.{f.name}" if prefix else f.name
            value = getattr(obj, f.name)
            args = typing.get_args(tp)
            if dataclasses.is_dataclass(tp):
                walk(tp, value, key, key)
            elif typing.get_origin(tp) is dict and args and dataclasses.is_dataclass(args[1]):
                if value:  # e.g. market.categories: the default entries
                    for name, sub in value.items():
                        walk(args[1], sub, f"{key}.{name}", f"{key}.{name}")
                else:  # e.g. firms: no default entries, document the entry schema
                    walk(args[1], args[1](), f"{key}.<name>", f"{key}.<name>")
            else:
                rows.append(Row(key, value, tp, dict(f.metadata), group, doc))

    walk(C.Config, C.Config(), "", "")
    return rows


def parameter_tables() -> str:
    """Markdown: one table per configuration group."""
    out: list[str] = []
    current = None
    for row in schema_rows():
        if row.group != current:
            current = row.group
            title = f"`{row.group}`" if row.group else "top level (`Config`)"
            out += ["", f"#### {title} — {row.group_doc}", "",
                    "| key | default | type, range | unit | meaning "
                    "| where the default comes from |",
                    "|---|---|---|---|---|---|"]
        meaning = row.meta.get("help", "")
        note = NOTES.get(row.key, "")
        meaning = f"{meaning}; {note}" if meaning and note else (meaning or note)
        source = SOURCES.get(row.key, MODEL)
        unit = row.meta.get("unit", "") or "—"
        if row.key in UNIT_FIX:
            unit = f"{UNIT_FIX[row.key]} †"
        type_range = _cell(fmt_range(row.type_, row.meta))
        out.append(f"| `{row.key}` | `{fmt_value(row.default)}` | {type_range} "
                   f"| {_cell(unit)} | {_cell(meaning)} | {_cell(source)} |")
    return "\n".join(out).strip("\n")


# ----------------------------------------------------------------------------------------------
# Scenarios, firm presets, strategy presets, output columns


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(node, dict):
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict) and v:
                out.update(_flatten(v, key))
            else:
                out[key] = v
    return out


def _yaml(path: Path) -> tuple[str, dict]:
    text = path.read_text()
    comments = []
    for line in text.splitlines():
        if line.startswith("#") and not line.startswith("# @package"):
            comments.append(line.lstrip("# ").rstrip())
        elif not line.startswith("#"):
            break
    return " ".join(comments), yaml.safe_load(text) or {}


def _default_of(key: str) -> str:
    obj: Any = C.Config()
    for part in key.split("."):
        if isinstance(obj, dict):
            obj = obj.get(part)
        else:
            obj = getattr(obj, part, None)
        if obj is None:
            return ""
    return fmt_value(obj)


def scenario_tables() -> str:
    """Markdown: what each ``conf/scenario/*.yaml`` is for, and the values it sets."""
    files = sorted((ROOT / "conf" / "scenario").glob("*.yaml"))
    scen = {p.stem: _yaml(p) for p in files}
    lines = ["| scenario | what it represents (from the file's header) |", "|---|---|"]
    for name, (desc, _) in scen.items():
        first = desc.split(". ")[0].rstrip(".") + "."
        lines.append(f"| `{name}` | {_cell(first)} |")
    keys: list[str] = []
    values: dict[str, dict[str, Any]] = {}
    for name, (_, data) in scen.items():
        flat = {}
        for entry in data.get("defaults", []) or []:
            if isinstance(entry, dict):
                for k, v in entry.items():
                    flat[f"{k.split()[-1].lstrip('/')} (config group)"] = v
        flat.update({k: v for k, v in _flatten(data).items() if k not in ("defaults", "name")})
        values[name] = flat
        keys += [k for k in flat if k not in keys]
    keys.sort(key=lambda k: (not k.endswith("(config group)"), k))
    lines += ["", "| key | schema default | " + " | ".join(f"`{n}`" for n in scen) + " |",
              "|---|---|" + "---|" * len(scen)]
    for k in keys:
        default = "two_vs_two (config.yaml)" if k.startswith("firms") else _default_of(k)
        cells = []
        for name in scen:
            v = values[name].get(k, "")
            cells.append("" if v == "" else f"`{fmt_value(v)}`")
        lines.append(f"| `{k}` | `{default}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def firm_preset_table() -> str:
    """Markdown: the firms each ``conf/firms/*.yaml`` puts in the market."""
    lines = ["| preset | firms (strategy, mix, objective; other fields at their defaults) |",
             "|---|---|"]
    for path in sorted((ROOT / "conf" / "firms").glob("*.yaml")):
        _, data = _yaml(path)
        parts = []
        for firm, fc in data.items():
            bits = [str(fc.get("strategy", "product_centric"))]
            if "mix" in fc:
                bits.append(f"mix={fc['mix']}")
            if "objective" in fc:
                bits.append(f"objective={fc['objective']}")
            extra = {k: v for k, v in fc.items() if k not in ("strategy", "mix", "objective")}
            bits += [f"{k}={fmt_value(v)}" for k, v in extra.items()]
            parts.append(f"`{firm}` ({', '.join(bits)})")
        lines.append(f"| `{path.stem}` | {'; '.join(parts)} |")
    return "\n".join(lines)


def strategy_table() -> str:
    """Markdown: budget shares of the strategy presets and of an even mix."""
    pc = S.shares_vector(S.PRESETS["product_centric"])
    cc = S.shares_vector(S.PRESETS["customer_centric"])
    mid = S.mix_shares(0.5)
    lines = ["| lever | customer lever? | `product_centric` | `customer_centric` "
             "| `mix`, mix=0.5 |",
             "|---|---|---|---|---|"]
    for k, lever in enumerate(S.LEVERS):
        cust = "yes" if lever in S.CUSTOMER_LEVERS else "no"
        lines.append(f"| `{lever}` | {cust} | {fmt_value(float(pc[k]))} "
                     f"| {fmt_value(float(cc[k]))} "
                     f"| {round(float(mid[k]), 6)!r} |")
    lines.append(f"| **orientation** (share on customer levers) | | "
                 f"{round(S.customer_orientation(pc), 6)!r} | "
                 f"{round(S.customer_orientation(cc), 6)!r} | "
                 f"{round(S.customer_orientation(mid), 6)!r} |")
    return "\n".join(lines)


def output_table() -> str:
    """Markdown: every column of timeseries.parquet, from the data dictionary (sim.columns)."""
    from sim.columns import describe
    from sim.model import FIRM_METRICS

    lines = ["| column | unit | meaning |", "|---|---|---|"]
    for col in ("step", "year", "firm", "strategy", "objective", *FIRM_METRICS):
        entry = describe("timeseries", col)
        unit, meaning = (entry.unit, entry.meaning) if entry else ("", "(undocumented)")
        lines.append(f"| `{col}` | {_cell(unit)} | {_cell(meaning)} |")
    return "\n".join(lines)


BLOCKS = {
    "parameters": parameter_tables,
    "scenarios": scenario_tables,
    "firm-presets": firm_preset_table,
    "strategies": strategy_table,
    "outputs": output_table,
}


def render(text: str) -> tuple[str, list[str]]:
    """Replace every generated block in ``text``; return the new text and the stale blocks."""
    stale = []
    for name, make in BLOCKS.items():
        m = block_pattern(name).search(text)
        if not m:
            raise SystemExit(f"docs/ODD.md has no block 'BEGIN GENERATED: {name}'")
        body = make() + "\n"
        if m.group(2) != body:
            stale.append(name)
        text = text[:m.start(2)] + body + text[m.end(2):]
    return text, stale


def main(argv: list[str] | None = None) -> int:
    """Command line: rewrite, check or print the generated blocks."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/ODD.md is stale")
    ap.add_argument("--print", action="store_true", help="print the generated blocks")
    args = ap.parse_args(argv)
    if args.print:
        for name, make in BLOCKS.items():
            print(f"<!-- {name} -->\n{make()}\n")
        return 0
    text = ODD.read_text()
    new, stale = render(text)
    if args.check:
        if stale:
            print("docs/ODD.md is out of date in: " + ", ".join(stale)
                  + "; run `python docs/params.py`", file=sys.stderr)
            return 1
        return 0
    if new != text:
        ODD.write_text(new)
        print("docs/ODD.md: regenerated " + (", ".join(stale) or "nothing"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
