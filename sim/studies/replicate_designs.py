"""The designs of ``ccsim replicate``: each published field study re-run inside the model.

One function per study measures one seed and returns one row per published figure it speaks
to (:data:`sim.analysis.field_evidence.PUBLISHED`): ``row``, ``seed``, ``estimate`` (the
model's figure in that seed) and, where the design has twins, the figure in each twin. Every
design starts from the market after a common burn-in; a design with a treatment continues two
deep copies of that state (twin runs: common random numbers), the study's customers treated in
one (ODD §7.19), with value-based prices frozen in both so the firm's price does not answer the
treatment. The study's firm is the market's first customer-centric firm (the one that funds the
levers the studies speak to), else its first firm.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .. import rng
from ..kernels.layout import ITALLY, L_CONTRIBUTION, L_RECOVERIES
from ..strategies import PER_CUSTOMER_LEVERS

if TYPE_CHECKING:
    from ..config import Config
    from ..model import MarketModel

__all__ = ["DESIGNS", "Design", "Size", "study_firm"]

T_UNITS = ITALLY.index("units")
#: A loyalty programme's reward, a share of the price a member pays (*assumed*: saving
#: programmes in grocery return about 1–2 % of spend; not verified against a source).
LOYALTY_REWARD = 0.02
#: Multiples of the firm's planned service money in the return-on-quality design.
SERVICE_FACTORS = (1.0, 2.0, 4.0, 8.0)


@dataclass(frozen=True)
class Size:
    """How big a study runs: customers, seeds, months of burn-in, months of its window."""

    n_customers: int
    seeds: int
    burn_in: int
    window: int


@dataclass(frozen=True)
class Design:
    """One ``ccsim replicate`` study.

    Attributes:
        name: The study's name on the command line.
        title: What it re-runs.
        rows: The published figures it measures (``field_evidence.PUBLISHED`` rows).
        measure: ``measure(cfg, seed, size) -> rows`` for one seed (picklable).
        full, quick: Its sizes for a real run and for ``--quick``.
        overrides: The market it runs in (Hydra overrides; the default market if empty).
        design: Its design in one sentence (meta.json, the docs).
    """

    name: str
    title: str
    rows: tuple[str, ...]
    measure: Callable[[Config, int, Size], list[dict]]
    full: Size
    quick: Size
    design: str
    overrides: tuple[str, ...] = ()


# ----------------------------------------------------------------------------------------------
# Shared steps


def burned(cfg: Config, seed: int, months: int) -> MarketModel:
    """The market of ``cfg`` at ``seed`` after ``months`` months."""
    from ..model import MarketModel

    model = MarketModel(dataclasses.replace(cfg, seed=seed))
    for _ in range(months):
        model.step()
    return model


def study_firm(model: MarketModel) -> int:
    """The firm a study concerns: the first customer-centric firm, else the first firm."""
    for f in model.firms:
        if f.strategy == "customer_centric":
            return f.index
    return 0


def _sample(model: MarketModel, seed: int, eligible: np.ndarray, share: float = 0.5) -> np.ndarray:
    """A random ``share`` of the eligible customers (its own stream: no draw of the model)."""
    gen = np.random.default_rng(rng.derived_seed(seed, "replicate/sample"))
    return eligible & (gen.random(model.n_customers) < share)


def _twin(base: MarketModel, group: np.ndarray, kind: str, firm: int,
          value: float = 0.0) -> MarketModel:
    """A copy of ``base`` with the study set and prices frozen, ``kind`` done from next step."""
    model = copy.deepcopy(base)
    model.freeze_pricing()
    model.set_study(group, firm)
    model.set_treatment(kind, value)
    return model


def _stratum_units(model: MarketModel) -> np.ndarray:
    """Units bought per stratum and firm over the study's months (int [strata, firms])."""
    return sum(g[:, :, T_UNITS] for _, g, _ in model.study_rows)


def _stratum_choices(model: MarketModel, firm: int) -> tuple[np.ndarray, np.ndarray]:
    """Per stratum: (in-market occasions, choices of ``firm``) over the study's months."""
    inside = sum(c[:, :, 0].sum(axis=1) for _, _, c in model.study_rows)
    chose = sum(c[:, :, 2 + firm].sum(axis=1) for _, _, c in model.study_rows)
    return np.asarray(inside, float), np.asarray(chose, float)


def _row(row: str, seed: int, estimate: float, control: float = math.nan,
         treated: float = math.nan, n: float = math.nan) -> dict:
    return {"row": row, "seed": seed, "estimate": float(estimate), "control": float(control),
            "treated": float(treated), "n_units": float(n)}


def _row_mean(x: np.ndarray) -> np.ndarray:
    """Mean of each row's finite values (NaN for a row with none, without a warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=1)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


# ----------------------------------------------------------------------------------------------
# Retention offers: Ascarza, Iyengar & Schleicher 2016; Ascarza 2018


def measure_retention_offers(cfg: Config, seed: int, size: Size) -> list[dict]:
    """A proactive contact with a credit to half the firm's customers, churn over 3 months.

    The third least satisfied with the firm at the contact form stratum 1 (the highest churn
    risk: the churn hazard falls with satisfaction, ODD §7.10), the rest stratum 2. The credit is
    the firm's retention offer (``economics.retention_offer`` × price, at most the price).
    """
    base = burned(cfg, seed, size.burn_in)
    f = study_firm(base)
    mine = base.state.firm_of == f
    sampled = _sample(base, seed, mine.any(axis=1))
    sat = np.where(mine & sampled[:, None], base.state.satisfaction, np.nan)
    risk = _row_mean(sat)
    cut = np.nanquantile(risk[sampled], 1 / 3) if sampled.any() else 0.0
    group = np.where(sampled, np.where(risk <= cut, 1, 2), 0).astype(np.int8)
    value = min(1.0, cfg.market.economics.retention_offer)
    churn: dict[str, list[float]] = {}
    start = mine & sampled[:, None]
    for kind in ("none", "contact"):
        model = _twin(base, group, kind, f, value)
        alive = start.copy()
        for month in range(size.window):
            model.step()
            if month == 0:
                model.set_treatment("none")  # one contact, in the first month
            alive &= model.state.firm_of == f
        lost = start & ~alive
        churn[kind] = [_ratio(lost[group == k].sum(), start[group == k].sum())
                       for k in (1, 2)] + [_ratio(lost.sum(), start.sum())]
    c, t = churn["none"], churn["contact"]
    effect = [100 * (b - a) for a, b in zip(c, t, strict=True)]
    return [_row("ascarza2016", seed, effect[2], 100 * c[2], 100 * t[2], start.sum()),
            _row("ascarza2018", seed, effect[0] - effect[1], effect[1], effect[0],
                 start[group == 1].sum())]


# ----------------------------------------------------------------------------------------------
# Personalisation: Ansari & Mela 2003; Lambrecht & Tucker 2013


def measure_personalisation(cfg: Config, seed: int, size: Size) -> list[dict]:
    """Half the firm's customers shown its generic offer (twin) or its personalised one.

    Stratum 1: the half of them the firm knows least (its estimate of their needs is poorest).
    """
    base = burned(cfg, seed, size.burn_in)
    f = study_firm(base)
    sampled = _sample(base, seed, (base.state.firm_of == f).any(axis=1))
    k = base.state.knowledge[:, f]
    cut = np.median(k[sampled]) if sampled.any() else 0.0
    group = np.where(sampled, np.where(k <= cut, 1, 2), 0).astype(np.int8)
    p = {}
    for kind in ("none", "generic_offer"):
        model = _twin(base, group, kind, f)
        for _ in range(size.window):
            model.step()
        inside, chose = _stratum_choices(model, f)
        p[kind] = (_ratio(chose[0], inside[0]), _ratio(chose.sum(), inside.sum()), inside.sum())
    pers, gen = p["none"], p["generic_offer"]
    lift = [100 * (_ratio(a, b) - 1) for a, b in zip(pers[:2], gen[:2], strict=True)]
    return [_row("ansari_mela2003", seed, lift[1], gen[1], pers[1], pers[2]),
            _row("lambrecht_tucker2013", seed, lift[0], gen[0], pers[0], pers[2])]


# ----------------------------------------------------------------------------------------------
# Loyalty programmes: Leenheer et al. 2007; Liu 2007


def measure_loyalty(cfg: Config, seed: int, size: Size) -> list[dict]:
    """Half the market enrolled at random in the firm's programme (a reward off its price).

    Stratum 2: members who bought every category from the firm at enrolment (heavy buyers);
    stratum 1: the rest (light buyers, non-customers included).
    """
    base = burned(cfg, seed, size.burn_in)
    f = study_firm(base)
    sampled = _sample(base, seed, np.ones(base.n_customers, bool))
    heavy = (base.state.firm_of == f).all(axis=1)
    group = np.where(sampled, np.where(heavy, 2, 1), 0).astype(np.int8)
    n = [float((group == k).sum()) for k in (1, 2)]
    units = {}
    for kind in ("none", "loyalty"):
        model = _twin(base, group, kind, f, LOYALTY_REWARD)
        for _ in range(size.window):
            model.step()
        units[kind] = _stratum_units(model)
    c, t = units["none"], units["loyalty"]
    share = [100 * _ratio(u[:, f].sum(), u.sum()) for u in (c, t)]
    per = [[_ratio(u[k, f], n[k]) for k in (0, 1)] for u in (c, t)]
    return [_row("leenheer2007", seed, share[1] - share[0], share[0], share[1], sum(n)),
            _row("leenheer2007_selection", seed, math.nan),  # no enrolment decision: a gap
            _row("liu2007_light", seed, per[1][0] - per[0][0], per[0][0], per[1][0], n[0]),
            _row("liu2007_heavy", seed, per[1][1] - per[0][1], per[0][1], per[1][1], n[1])]


# ----------------------------------------------------------------------------------------------
# Service recovery: de Matos, Henrique & Rossi 2007


def _mean_satisfaction(model: MarketModel, firm: int) -> np.ndarray:
    mine = model.state.firm_of == firm
    return _row_mean(np.where(mine, model.state.satisfaction, np.nan))


def measure_service_recovery(cfg: Config, seed: int, size: Size) -> list[dict]:
    """The firm fixes every bad experience of its customers; satisfaction before and after.

    Over each month, the change of a customer's mean satisfaction with the firm (after the
    month against before it: post-recovery against pre-failure, the paradox's comparison) when
    the firm fixed a bad experience of theirs that month, minus the change over the same months
    for its customers who had no bad experience (every bad one is fixed, so the rest had none):
    the difference removes the drift all customers' satisfaction shares.
    """
    base = burned(cfg, seed, size.burn_in)
    f = study_firm(base)
    group = (base.state.firm_of == f).any(axis=1).astype(np.int8)
    model = _twin(base, group, "recovery", f)
    fixed_d, calm_d = [], []
    for _ in range(size.window):
        before, fixed = _mean_satisfaction(model, f), model.ledger[:, L_RECOVERIES].copy()
        model.step()
        after = _mean_satisfaction(model, f)
        both = np.isfinite(before) & np.isfinite(after)
        hit = model.ledger[:, L_RECOVERIES] > fixed
        fixed_d.append((after - before)[both & hit])
        calm_d.append((after - before)[both & ~hit])
    d, calm = np.concatenate(fixed_d), np.concatenate(calm_d)
    if not (d.size and calm.size):
        return [_row("de_matos2007", seed, math.nan, n=d.size)]
    return [_row("de_matos2007", seed, d.mean() - calm.mean(), calm.mean(), d.mean(), d.size)]


# ----------------------------------------------------------------------------------------------
# Cross-selling: Shah, Kumar, Qu & Chen 2012


def measure_cross_selling(cfg: Config, seed: int, size: Size) -> list[dict]:
    """The share of the firm's cross-buyers whose contribution, less lever money, is < 0.

    A cross-buyer bought every category from the firm in some month of the window. A
    customer's profit: their contribution (ledger: paid − unit, service and personalisation
    delivery − retention offers − recoveries) less their share of the firm's per-customer lever
    money (each month's money ÷ its relationships, × theirs), as Shah et al. charge each
    customer the cost of goods and of marketing to them.
    """
    base = burned(cfg, seed, size.burn_in)
    f = study_firm(base)
    model = base
    model.set_study(np.ones(model.n_customers, np.int8), f)
    ever = np.zeros(model.n_customers, bool)
    charged = np.zeros(model.n_customers)
    firm = model.firms[f]
    for _ in range(size.window):
        model.step()
        mine = model.state.firm_of == f
        ever |= mine.all(axis=1)
        money = sum(firm.metrics[f"cost_{lever}"] for lever in PER_CUSTOMER_LEVERS)
        charged += money / max(1, firm.metrics["relationships"]) * mine.sum(axis=1)
    profit = model.ledger[:, L_CONTRIBUTION] / 100.0 - charged
    share = 100 * float((profit[ever] < 0).mean()) if ever.any() else math.nan
    return [_row("shah2012", seed, share, n=ever.sum())]


# ----------------------------------------------------------------------------------------------
# Service quality: Rust, Zahorik & Keiningham 1995


def measure_service_quality(cfg: Config, seed: int, size: Size) -> list[dict]:
    """The firm's service money at 1×, 2×, 4× and 8× its plan for good; profit over the window.

    Every other lever's money stays on the path of the unchanged (1×) arm, as in ``ccsim
    elasticities``.
    """
    base = burned(cfg, seed, size.burn_in)
    f = study_firm(base)
    first = base.steps + 1
    profit, money, path = {}, {}, None
    for factor in SERVICE_FACTORS:
        model = copy.deepcopy(base)
        model.freeze_pricing()
        model.set_lever(f, "service", factor)
        if path is not None:
            model.set_budget_path(f, path)
        for _ in range(size.window):
            model.step()
        firm = model.firms[f]
        if path is None:
            path = {t: b for t, b in firm.budgets.items() if t >= first}
        ts = model.timeseries()
        mine = ts[(ts["firm"] == firm.name) & (ts["step"] >= first)]
        profit[factor], money[factor] = float(mine["profit"].sum()), float(
            mine["cost_service"].sum())
    p, s = profit, money
    too_much = 100 * (p[8.0] - p[4.0]) / abs(p[1.0]) if p[1.0] else math.nan
    concave = _ratio(p[2.0] - p[1.0], s[2.0] - s[1.0]) - _ratio(p[8.0] - p[4.0], s[8.0] - s[4.0])
    return [_row("rust1995_too_much", seed, too_much, p[4.0], p[8.0]),
            _row("rust1995_concave", seed, concave, p[1.0], p[2.0])]


# ----------------------------------------------------------------------------------------------
# Word of mouth: You, Vadakkepatt & Joshi 2015; Trusov, Bucklin & Pauwels 2009


def _within_ols(y: np.ndarray, x: np.ndarray, firm: np.ndarray) -> np.ndarray:
    """OLS slopes of y on the columns of x with firm fixed effects (demeaned within firm)."""
    yd, xd = y.astype(float).copy(), x.astype(float).copy()
    for k in np.unique(firm):
        sel = firm == k
        yd[sel] -= yd[sel].mean()
        xd[sel] -= xd[sel].mean(axis=0)
    if len(yd) <= x.shape[1] + len(np.unique(firm)):
        return np.full(x.shape[1], math.nan)
    return np.linalg.lstsq(xd, yd, rcond=None)[0]


def measure_word_of_mouth(cfg: Config, seed: int, size: Size) -> list[dict]:
    """Word-of-mouth elasticities: volume and referrals by intervention, valence from a panel.

    Volume (You et al.) and referrals (Trusov et al.): ``ccsim elasticities``' ±10 % on each
    firm's referral hazards — how much of its promoters' word reaches people — with the
    elasticity of its unit sales in months 1–12 (volume) and of its acquisitions in months
    25–36 (referrals), mean over firms. Valence has no lever in the model, so it is measured as
    You et al.'s primary studies mostly did, from the firm-month panel after the burn-in: each
    firm's acquisitions (its new sales) on last month's number of customers who spoke of it
    and their mean satisfaction with it (the average rating), in logs, with firm fixed effects.
    """
    from .elasticities import measure_seed

    model = burned(cfg, seed, size.burn_in)
    rows = []
    for _ in range(size.window):
        volume = model.global_soc * model.n_customers
        valence = np.array([f.metrics["mean_satisfaction"] for f in model.firms])
        model.step()
        for k, f in enumerate(model.firms):
            rows.append((k, f.metrics["acquisitions"], volume[k], valence[k]))
    a = np.array(rows, dtype=float)
    a = a[(a[:, 1] > 0) & (a[:, 2] > 0) & (a[:, 3] > 0)]
    b = _within_ols(np.log(a[:, 1]), np.log(a[:, 2:4]), a[:, 0].astype(int))
    wom = measure_seed(cfg, seed, ("word_of_mouth",))

    def mean_over_firms(quantity: str, window: str) -> float:
        e = [r["elasticity"] for r in wom if r["quantity"] == quantity and r["window"] == window]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(np.nanmean(e)) if e else math.nan

    n_firms = len(model.firms)
    return [_row("you2015_volume", seed, mean_over_firms("units", "short"), n=n_firms),
            _row("you2015_valence", seed, b[1], n=len(a)),
            _row("trusov2009", seed, mean_over_firms("acquisitions", "long"), n=n_firms)]


# ----------------------------------------------------------------------------------------------
# Satisfaction and performance: Otto et al. 2020; Mittal et al. 2023


def measure_satisfaction(cfg: Config, seed: int, size: Size) -> list[dict]:
    """Firm-year satisfaction vs return on sales; customer satisfaction vs staying a year.

    One run of ``burn_in + window`` months from the start. Otto et al.: every firm-year after
    the first, the mean of the firm's monthly mean satisfaction against its profit ÷ revenue,
    pooled over firms. Mittal et al.: customers with a firm in the core category at the end of
    the burn-in, their satisfaction there against whether the same firm has them 12 months on.
    """
    model = burned(cfg, seed, size.burn_in)
    s = model.state
    had = s.firm_of[:, 0].copy()
    sat0 = s.satisfaction[:, 0].copy()
    for _ in range(size.window):
        model.step()
        if model.steps == size.burn_in + 12:
            stayed = model.state.firm_of[:, 0] == had
    sel = had >= 0
    r_cust = (float(np.corrcoef(sat0[sel], stayed[sel].astype(float))[0, 1])
              if sel.sum() > 2 and stayed[sel].std() > 0 else math.nan)
    ts = model.timeseries()
    ts = ts[ts["year"] >= 2]
    years = ts.groupby(["firm", "year"]).agg(sat=("mean_satisfaction", "mean"),
                                             profit=("profit", "sum"),
                                             revenue=("revenue", "sum"))
    years = years[years["revenue"] > 0]
    ros = years["profit"] / years["revenue"]
    r_firm = (float(np.corrcoef(years["sat"], ros)[0, 1])
              if len(years) > 2 and ros.std() > 0 and years["sat"].std() > 0 else math.nan)
    return [_row("otto2020", seed, r_firm, n=len(years)),
            _row("mittal2023", seed, r_cust, n=int(sel.sum()))]


# ----------------------------------------------------------------------------------------------

_FULL = Size(n_customers=5000, seeds=10, burn_in=24, window=12)
_QUICK = Size(n_customers=400, seeds=2, burn_in=6, window=6)

#: Every study, in the order of ``ccsim replicate --list``.
DESIGNS: dict[str, Design] = {d.name: d for d in (
    Design("word_of_mouth", "eWOM volume and valence elasticities; referrals' long-run "
           "elasticity", ("you2015_volume", "you2015_valence", "trusov2009"),
           measure_word_of_mouth, dataclasses.replace(_FULL, window=36),
           dataclasses.replace(_QUICK, window=12),
           "ccsim elasticities' ±10 % on each firm's referral hazards (volume: unit sales, "
           "months 1-12; referrals: acquisitions, months 25-36); valence: the firm-month panel "
           "after the burn-in (log-log regression with firm fixed effects)"),
    Design("satisfaction", "satisfaction and firm performance; satisfaction and retention",
           ("otto2020", "mittal2023"), measure_satisfaction,
           dataclasses.replace(_FULL, burn_in=24, window=96),
           dataclasses.replace(_QUICK, burn_in=6, window=30),
           "one run: firm-years' satisfaction vs return on sales; customers' satisfaction at "
           "the burn-in's end vs staying with their firm 12 months"),
    Design("personalisation", "a personalised vs a generic offer to the same customers",
           ("ansari_mela2003", "lambrecht_tucker2013"), measure_personalisation, _FULL,
           _QUICK, "twins: half the firm's customers get its generic offer in one twin, its "
           "personalised one in the other, for 12 months"),
    Design("retention_offers", "a randomised proactive retention contact",
           ("ascarza2016", "ascarza2018"), measure_retention_offers,
           dataclasses.replace(_FULL, window=3), dataclasses.replace(_QUICK, window=3),
           "twins: half the firm's customers contacted once with a credit in one twin; churn "
           "over the next 3 months against the same customers uncontacted"),
    Design("loyalty", "random enrolment in a loyalty programme",
           ("leenheer2007", "leenheer2007_selection", "liu2007_light", "liu2007_heavy"),
           measure_loyalty, _FULL, _QUICK,
           f"twins: half the market enrolled at random, a reward of {LOYALTY_REWARD:.0%} of "
           "the price paid, for 12 months"),
    Design("service_recovery", "the service recovery paradox", ("de_matos2007",),
           measure_service_recovery, _FULL, _QUICK,
           "the firm fixes every bad experience of its customers for 12 months; the change of "
           "satisfaction over a month with a recovery minus over a month without a failure"),
    Design("cross_selling", "profitability of cross-buyers", ("shah2012",),
           measure_cross_selling, dataclasses.replace(_FULL, window=24),
           dataclasses.replace(_QUICK, window=12),
           "24 months after the burn-in: each cross-buyer's contribution less their share of "
           "the firm's per-customer lever money"),
    Design("service_quality", "return on quality: service money at 1×, 2×, 4×, 8×",
           ("rust1995_too_much", "rust1995_concave"), measure_service_quality,
           dataclasses.replace(_FULL, window=36), dataclasses.replace(_QUICK, window=12),
           "four arms from the burn-in, the firm's service money ×1, 2, 4, 8 for good, other "
           "levers on the 1× arm's path; profit over 36 months"),
)}
