"""An experiment as data: ``experiments/NAME/config.yaml`` read into one checked object.

An experiment names its parts once, as exploratory modelling does (Lempert's XLRM): the
*premises* it varies (uncertainties, each with a documented range), the *arms* it compares
(levers: strategies, pivots, mechanisms switched off), the *claim* it judges and the
*quantities* it reports (outcomes). Running it (:mod:`sim.studies.experiments`) and analysing it
(:mod:`sim.analysis.experiment_report`) are separate steps over saved tables. The keys::

    title: a line                 claim_text: the essay's words      seed_file: 003_....txt
    question: what the experiment asks
    base: [overrides of every run]
    arms: {name: [overrides] | {overrides: [...], without: [mechanism, ...] | all}}
    claim: {metric, op, threshold, undefined: fail|drop, arms: {arm: weight}}
    report: [{metric, arms: {arm: weight}, label, unit, scale}]
    series: [{column, by: group|firm|market, arms: {arm: weight} | [arm, ...], per: step|year,
              agg: sum|mean, firms: [...], label, unit}]
    premises: [{key, low, high, why} | {key, presets: {name: [overrides]}, why}]
    forms: {full: {customers, months, seeds, max_seeds, half_width, points, point_seeds,
                   point_customers, vars}, quick: {...}}
    spells: false                 # write spells.parquet in every run (retention analyses)

A premise whose range is not given takes it (and its reason) from the sensitivity analysis's
table (:data:`sim.analysis.sensitivity.PARAMETERS`). ``without`` names mechanisms of
:data:`sim.studies.decompose.MECHANISMS` (their switches are defined there, once). Override
strings may use the form's ``vars`` (``firms.pc_a.pivot.at={pivot_at}``).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .claims import MIN_SEEDS, Claim

__all__ = ["Arm", "Experiment", "Form", "Premise", "Quantity", "Series", "SpecError",
           "experiments_dir", "list_experiments", "load", "load_all"]

FORMS = ("full", "quick")
_TOP = {"title", "claim_text", "seed_file", "question", "base", "arms", "claim", "report",
        "series", "premises", "forms", "spells", "notes"}
_FORM = {"customers", "months", "seeds", "max_seeds", "half_width", "points", "point_seeds",
         "point_customers", "point_months", "vars", "lhs_seed"}


class SpecError(ValueError):
    """An experiment's config.yaml says something the runner cannot do (one line)."""


def experiments_dir() -> Path:
    """The repository's ``experiments/`` folder (beside the ``sim`` package)."""
    return Path(__file__).resolve().parents[2] / "experiments"


def list_experiments(root: Path | None = None) -> list[str]:
    """Names of the experiments: folders of ``experiments/`` holding a config.yaml."""
    root = experiments_dir() if root is None else Path(root)
    return sorted(p.parent.name for p in root.glob("*/config.yaml"))


@dataclass(frozen=True)
class Arm:
    """One arm: a name and the overrides that make it (mechanisms switched off included)."""

    name: str
    overrides: tuple[str, ...]
    off: tuple[str, ...] = ()


@dataclass(frozen=True)
class Quantity:
    """A reported quantity: a metric read in one arm, or a seed-by-seed contrast of arms."""

    metric: str
    arms: Mapping[str, float]
    label: str
    unit: str
    scale: float = 1.0


@dataclass(frozen=True)
class Series:
    """A time series drawn per arm with its band over seeds (a column of timeseries.parquet)."""

    column: str
    by: str  # group (customer- vs product-centric, the headline's groups), firm, market
    arms: Mapping[str, float] | tuple[str, ...]
    per: str = "step"  # or year
    agg: str = "sum"  # over the firms of a line (and the steps of a year)
    firms: tuple[str, ...] = ()
    label: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Premise:
    """A premise the verdict may rest on: a numeric range, or categorical presets."""

    key: str
    why: str
    low: float | None = None
    high: float | None = None
    integer: bool = False
    presets: Mapping[str, tuple[str, ...]] | None = None

    @property
    def categorical(self) -> bool:
        """Whether the premise is a choice among presets."""
        return self.presets is not None

    def overrides(self, value: Any) -> list[str]:
        """The overrides that set this premise to ``value`` (a number or a preset's name)."""
        if self.categorical:
            return list(self.presets[str(value)])
        return [f"{self.key}={int(value) if self.integer else repr(float(value))}"]

    def range_text(self) -> str:
        """``[low, high]`` or the presets, for tables."""
        if self.categorical:
            return " | ".join(self.presets)
        return f"[{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Form:
    """A size of the experiment: the full form (committed results) or the quick one (tests)."""

    name: str
    customers: int
    months: int
    seeds: int
    points: int
    point_seeds: int
    point_customers: int
    point_months: int
    max_seeds: int
    half_width: float | None
    lhs_seed: int = 0
    vars: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """One experiment's config.yaml, checked."""

    name: str
    folder: Path
    title: str
    claim_text: str
    seed_file: str
    question: str
    base: tuple[str, ...]
    arms: Mapping[str, Arm]
    claim: Claim
    report: tuple[Quantity, ...]
    series: tuple[Series, ...]
    premises: tuple[Premise, ...]
    forms: Mapping[str, Form]
    spells: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def claim_arms(self) -> list[str]:
        """The arms the claim reads (the only ones run at the region's points)."""
        return list(self.claim.arms)

    def form(self, quick: bool) -> Form:
        """The quick or the full form."""
        return self.forms["quick" if quick else "full"]


# ----------------------------------------------------------------------------------------------
# Reading


def _fail(name: str, message: str) -> SpecError:
    return SpecError(f"experiments/{name}/config.yaml: {message}")


def _strings(name: str, where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(name, f"{where}: a list of overrides (key=value strings)")
    return tuple(value)


def _weights(name: str, where: str, value: Any, arms: Mapping[str, Arm]) -> dict[str, float]:
    if isinstance(value, str):
        value = {value: 1}
    if not isinstance(value, dict) or not value:
        raise _fail(name, f"{where}: arms as {{arm: weight}}")
    out = {}
    for arm, w in value.items():
        if arm not in arms:
            raise _fail(name, f"{where}: unknown arm {arm!r}; arms: {', '.join(arms)}")
        if not isinstance(w, (int, float)) or isinstance(w, bool) or not math.isfinite(w) \
                or w == 0:
            raise _fail(name, f"{where}.{arm}={w!r}: a weight is a finite, non-zero number")
        out[str(arm)] = float(w)
    return out


def _arms(name: str, raw: Any) -> dict[str, Arm]:
    from ..studies.decompose import MECHANISMS

    if not isinstance(raw, dict) or not raw:
        raise _fail(name, "arms: at least one arm, {name: [overrides]}")
    out = {}
    for arm, spec in raw.items():
        off: tuple[str, ...] = ()
        if isinstance(spec, dict):
            unknown = set(spec) - {"overrides", "without"}
            if unknown:
                raise _fail(name, f"arms.{arm}: unknown key {sorted(unknown, key=str)[0]!r}; "
                                  "allowed overrides, without")
            overrides = _strings(name, f"arms.{arm}.overrides", spec.get("overrides"))
            wanted = spec.get("without") or []
            off = tuple(MECHANISMS) if wanted == "all" else tuple(wanted)
            bad = [m for m in off if m not in MECHANISMS]
            if bad:
                raise _fail(name, f"arms.{arm}.without: unknown mechanism {bad[0]!r}; allowed "
                                  f"{', '.join(MECHANISMS)} or all")
            overrides = (*overrides, *(ov for m in off for ov in MECHANISMS[m]))
        else:
            overrides = _strings(name, f"arms.{arm}", spec)
        out[str(arm)] = Arm(str(arm), overrides, off)
    return out


def _premise(name: str, raw: Any) -> Premise:
    from .sensitivity import PARAMETERS, is_integer

    if not isinstance(raw, dict) or "key" not in raw:
        raise _fail(name, f"premises: {raw!r}: each premise is {{key, low, high, why}} or "
                          "{key, presets, why}")
    key = str(raw["key"])
    unknown = set(raw) - {"key", "low", "high", "why", "presets"}
    if unknown:
        raise _fail(name, f"premises.{key}: unknown key {sorted(unknown)[0]!r}")
    if "presets" in raw:
        presets = raw["presets"]
        if not isinstance(presets, dict) or len(presets) < 2:
            raise _fail(name, f"premises.{key}.presets: at least two presets, "
                              "{name: [overrides]}")
        if "why" not in raw:
            raise _fail(name, f"premises.{key}: say why (why: ...)")
        return Premise(key, str(raw["why"]), presets={
            str(k): _strings(name, f"premises.{key}.presets.{k}", v) for k, v in presets.items()})
    known = {p.key: p for p in PARAMETERS}
    default = known.get(key)
    low, high = raw.get("low"), raw.get("high")
    why = raw.get("why")
    if default is not None:
        low = default.low if low is None else low
        high = default.high if high is None else high
        why = default.rationale if why is None else why
    if low is None or high is None or why is None:
        raise _fail(name, f"premises.{key}: give low, high and why (the sensitivity table "
                          "has no range for this key)")
    integer = _integer_key(name, key, is_integer)
    if not float(low) < float(high):
        raise _fail(name, f"premises.{key}: low={low} must be below high={high}")
    return Premise(key, str(why), float(low), float(high), integer)


def _integer_key(name: str, key: str, is_integer: Any) -> bool:
    """Whether a schema key is an integer.

    Entries of a mapping (``market.categories.core``, ``firms.pc_a``) are looked up in the
    mapping's schema.
    """
    from ..config import CategoryConfig, FirmConfig

    try:
        return bool(is_integer(key))
    except KeyError:
        pass
    parts = key.split(".")
    schemas = {("market", "categories"): CategoryConfig, ("firms",): FirmConfig}
    for prefix, schema in schemas.items():
        if tuple(parts[:len(prefix)]) == prefix and len(parts) > len(prefix) + 1:
            node: Any = schema
            for part in parts[len(prefix) + 1:]:
                hints = typing.get_type_hints(node) if dataclasses.is_dataclass(node) else {}
                if part not in hints:
                    break
                node = hints[part]
            else:
                return node is int
    raise _fail(name, f"premises.{key}: not a key of the configuration schema")


def _form(name: str, which: str, raw: Any) -> Form:
    if not isinstance(raw, dict):
        raise _fail(name, f"forms.{which}: a mapping of customers, months, seeds, points, ...")
    unknown = set(raw) - _FORM
    if unknown:
        raise _fail(name, f"forms.{which}: unknown key {sorted(unknown)[0]!r}; allowed "
                          f"{', '.join(sorted(_FORM))}")
    need = ("customers", "months", "seeds", "points", "point_seeds")
    missing = [k for k in need if k not in raw]
    if missing:
        raise _fail(name, f"forms.{which}: missing {missing[0]}")
    ints = {k: raw.get(k) for k in ("customers", "months", "seeds", "points", "point_seeds",
                                    "max_seeds", "point_customers", "point_months", "lhs_seed")
            if raw.get(k) is not None}
    for k, v in ints.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < (0 if k in ("points",
                                                                            "lhs_seed") else 1):
            raise _fail(name, f"forms.{which}.{k}={v!r}: a positive whole number")
    seeds = ints["seeds"]
    if seeds < 2 or ints["point_seeds"] < 2:
        raise _fail(name, f"forms.{which}: seeds and point_seeds must be at least 2 (an "
                          "interval needs two seeds)")
    if which == "full" and (seeds < MIN_SEEDS or (ints["points"] and ints["point_seeds"]
                                                  < MIN_SEEDS)):
        raise _fail(name, f"forms.full: at least {MIN_SEEDS} seeds per arm and per point "
                          "(a verdict needs them)")
    half = raw.get("half_width")
    if half is not None and (not isinstance(half, (int, float)) or not half > 0):
        raise _fail(name, f"forms.{which}.half_width={half!r}: a positive number")
    return Form(which, ints["customers"], ints["months"], seeds, ints["points"],
                ints["point_seeds"], ints.get("point_customers", ints["customers"]),
                ints.get("point_months", ints["months"]), ints.get("max_seeds", seeds),
                None if half is None else float(half), ints.get("lhs_seed", 0),
                dict(raw.get("vars") or {}))


def _quantity(name: str, where: str, raw: Any, arms: Mapping[str, Arm]) -> Quantity:
    if not isinstance(raw, dict) or "metric" not in raw:
        raise _fail(name, f"{where}: {{metric, arms, label, unit}}")
    unknown = set(raw) - {"metric", "arms", "label", "unit", "scale"}
    if unknown:
        raise _fail(name, f"{where}: unknown key {sorted(unknown)[0]!r}")
    weights = _weights(name, f"{where}.arms", raw.get("arms", next(iter(arms))), arms)
    return Quantity(str(raw["metric"]), weights, str(raw.get("label") or raw["metric"]),
                    str(raw.get("unit", "")), float(raw.get("scale", 1.0)))


def _series(name: str, raw: Any, arms: Mapping[str, Arm]) -> Series:
    if not isinstance(raw, dict) or "column" not in raw:
        raise _fail(name, "series: each is {column, by, arms, ...}")
    unknown = set(raw) - {"column", "by", "arms", "per", "agg", "firms", "label", "unit"}
    if unknown:
        raise _fail(name, f"series.{raw['column']}: unknown key {sorted(unknown)[0]!r}")
    by, per, agg = raw.get("by", "group"), raw.get("per", "step"), raw.get("agg", "sum")
    for key, value, allowed in (("by", by, ("group", "firm", "market")),
                                ("per", per, ("step", "year")), ("agg", agg, ("sum", "mean"))):
        if value not in allowed:
            raise _fail(name, f"series.{raw['column']}.{key}={value!r}: allowed "
                              f"{', '.join(allowed)}")
    chosen = raw.get("arms", list(arms))
    if isinstance(chosen, list):
        bad = [a for a in chosen if a not in arms]
        if bad:
            raise _fail(name, f"series.{raw['column']}.arms: unknown arm {bad[0]!r}")
        arm_spec: Mapping[str, float] | tuple[str, ...] = tuple(chosen)
    else:
        arm_spec = _weights(name, f"series.{raw['column']}.arms", chosen, arms)
    return Series(str(raw["column"]), by, arm_spec, per, agg, tuple(raw.get("firms") or ()),
                  str(raw.get("label") or raw["column"]), str(raw.get("unit", "")))


def load(name: str, root: Path | None = None) -> Experiment:
    """Read and check ``experiments/NAME/config.yaml``.

    Raises:
        SpecError: an unknown experiment, or a config.yaml the runner cannot use (one line).
    """
    root = experiments_dir() if root is None else Path(root)
    path = root / name / "config.yaml"
    if not path.is_file():
        names = list_experiments(root)
        raise SpecError(f"{name}: unknown experiment; allowed: {', '.join(names)}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _fail(name, f"not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise _fail(name, "a mapping of title, claim, arms, premises, forms, ...")
    unknown = set(raw) - _TOP
    if unknown:
        raise _fail(name, f"unknown key {sorted(unknown)[0]!r}; allowed {', '.join(sorted(_TOP))}")
    for key in ("title", "claim_text", "seed_file", "question", "claim", "arms", "forms"):
        if key not in raw:
            raise _fail(name, f"missing {key}")
    arms = _arms(name, raw["arms"])
    c = raw["claim"]
    if not isinstance(c, dict):
        raise _fail(name, "claim: {metric, op, threshold, undefined, arms}")
    unknown = set(c) - {"metric", "op", "threshold", "undefined", "arms"}
    if unknown:
        raise _fail(name, f"claim: unknown key {sorted(unknown)[0]!r}")
    try:
        claim = Claim(metric=str(c.get("metric")), op=str(c.get("op")),
                      threshold=float(c.get("threshold")), undefined=str(c.get("undefined",
                                                                               "fail")),
                      arms=_weights(name, "claim.arms", c.get("arms", next(iter(arms))), arms))
    except (TypeError, ValueError) as exc:
        raise _fail(name, str(exc)) from None
    report = tuple(_quantity(name, f"report[{i}]", q, arms)
                   for i, q in enumerate(raw.get("report") or []))
    series = tuple(_series(name, s, arms) for s in raw.get("series") or [])
    premises = tuple(_premise(name, p) for p in raw.get("premises") or [])
    keys = [p.key for p in premises]
    if len(set(keys)) != len(keys):
        raise _fail(name, "premises: a key is listed twice")
    for arm in claim.arms:  # the region varies each premise: a claim arm must not pin it
        pinned = {ov.partition("=")[0].lstrip("+~") for ov in arms[arm].overrides}
        clash = sorted(pinned & set(keys))
        if clash:
            raise _fail(name, f"premise {clash[0]} is set by the claim's arm {arm}: the region "
                              "could not vary it")
    forms = raw["forms"]
    if not isinstance(forms, dict) or set(forms) != set(FORMS):
        raise _fail(name, "forms: a full and a quick form")
    parsed = {k: _form(name, k, forms[k]) for k in FORMS}
    if parsed["full"].points and len(premises) == 0:
        raise _fail(name, "forms.full.points > 0 but no premises to sample")
    seed_file = str(raw["seed_file"])
    return Experiment(name, path.parent, str(raw["title"]), " ".join(str(raw["claim_text"])
                                                                     .split()),
                      seed_file, " ".join(str(raw["question"]).split()),
                      _strings(name, "base", raw.get("base")), arms, claim, report, series,
                      premises, parsed, bool(raw.get("spells", False)), raw)


def load_all(names: Sequence[str] | None = None, root: Path | None = None) -> list[Experiment]:
    """Several experiments (all of them by default), in name order."""
    return [load(n, root) for n in (names or list_experiments(root))]
