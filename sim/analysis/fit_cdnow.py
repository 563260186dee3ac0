"""``ccsim fit cdnow``: what the CDNOW sample says about purchase timing and silent attrition.

The model has no purchase timing to fit: every relationship pays every month until it ends. So
this target is a report on data, not a search. It reads the 2,357-customer CDNOW sample shipped
in the ``lifetimes`` package (its file, found through the package's metadata; lifetimes itself
is not imported: its loaders break on setuptools >= 81) and measures:

* purchase timing: how often a customer buys, in how many months after the first purchase, the
  gaps between purchases, how unequal buyers are (variance / mean of repeat counts);
* silent attrition: the BG/NBD model (Fader, Hardie & Lee 2005) fitted on 39 weeks of
  calibration — each customer buys at a Poisson rate λ ~ Gamma(r, α) while alive and may leave
  after any purchase with probability p ~ Beta(a, b) — its parameters beside the published
  r = 0.243, α = 4.414, a = 0.793, b = 2.426, and how well it predicts the 39-week holdout.

BG/NBD is fitted by maximum likelihood with SciPy on FHL's closed-form likelihood (eq. 6;
expectations eq. 7 and 10, P(alive) eq. 11); ``tests/studies/test_fit_cdnow.py`` checks it
against lifetimes' ``BetaGeoFitter`` when lifetimes imports.
"""

from __future__ import annotations

import math
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, special

__all__ = ["CAL_END", "END", "START", "bgnbd_conditional", "bgnbd_expected", "bgnbd_p_alive",
           "cdnow_path", "fit_bgnbd", "read_cdnow", "report", "summarise"]

#: The sample's period: 1 January 1997 to 30 June 1998; 39 weeks of calibration.
START = pd.Timestamp("1997-01-01")
CAL_END = pd.Timestamp("1997-09-30")
END = pd.Timestamp("1998-06-30")
#: The published BG/NBD estimates (``sim/data/published_estimates.csv``).
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
SAMPLE = "lifetimes/datasets/CDNOW_sample.txt"


def cdnow_path() -> Path:
    """The CDNOW sample file inside the installed ``lifetimes`` distribution.

    Raises:
        FileNotFoundError: lifetimes is not installed (``pip install lifetimes``).
    """
    try:
        path = Path(metadata.distribution("lifetimes").locate_file(SAMPLE))
    except metadata.PackageNotFoundError:
        raise FileNotFoundError("the CDNOW sample ships in the lifetimes package: "
                                "pip install lifetimes") from None
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found in the installed lifetimes package")
    return path


def read_cdnow(path: str | Path | None = None) -> pd.DataFrame:
    """Transactions: ``customer``, ``date``, ``cds``, ``dollars`` (one row per order line)."""
    df = pd.read_csv(path or cdnow_path(), sep=r"\s+", header=None,
                     names=["master_id", "customer", "date", "cds", "dollars"],
                     dtype={"date": str})
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df[["customer", "date", "cds", "dollars"]]


def summarise(transactions: pd.DataFrame, cal_end: pd.Timestamp = CAL_END,
              end: pd.Timestamp = END) -> pd.DataFrame:
    """One row per customer in weeks: repeat purchases ``x``, ``t_x``, ``T``, ``holdout``.

    Purchases on one day count as one (as in FHL 2005); ``x`` counts repeat purchases up to
    ``cal_end``, ``t_x`` is the time of the last one and ``T`` the time to ``cal_end`` since
    the first purchase; ``holdout`` counts purchases after ``cal_end`` up to ``end``;
    ``first_day`` is the day of the first purchase (0 = 1 January 1997).
    """
    days = transactions[["customer", "date"]].drop_duplicates()
    first = days.groupby("customer")["date"].min()
    cal = days[days["date"] <= cal_end].groupby("customer")["date"]
    hold = days[(days["date"] > cal_end) & (days["date"] <= end)].groupby("customer").size()
    out = pd.DataFrame({"x": cal.size() - 1,
                        "t_x": (cal.max() - first).dt.days / 7.0,
                        "T": (cal_end - first).dt.days / 7.0,
                        "first_day": (first - START).dt.days})
    out["holdout"] = hold.reindex(out.index).fillna(0).astype(int)
    return out


def _loglik(log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> float:
    """BG/NBD log-likelihood (FHL 2005, eq. 6), summed over customers."""
    r, alpha, a, b = np.exp(log_params)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
    a2 = (special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b)
          - special.gammaln(a + b + x))
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        a4 = np.where(x > 0, math.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                      - (r + x) * np.log(alpha + t_x), -np.inf)
    return float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> dict[str, float]:
    """Maximum-likelihood r, α, a, b (L-BFGS-B on their logs, polished by Nelder–Mead)."""
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))

    def neg(lp: np.ndarray) -> float:
        return -_loglik(lp, x, t_x, T) / x.size

    res = optimize.minimize(neg, np.zeros(4), method="L-BFGS-B", bounds=[(-10, 10)] * 4)
    res = optimize.minimize(neg, res.x, method="Nelder-Mead",
                            options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20_000})
    r, alpha, a, b = (float(v) for v in np.exp(res.x))
    return {"r": r, "alpha": alpha, "a": a, "b": b, "loglik": -float(res.fun) * x.size}


def bgnbd_expected(p: dict[str, float], t: np.ndarray | float) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in t weeks after a first purchase (FHL eq. 7)."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    t = np.asarray(t, float)
    z = t / (alpha + t)
    return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r
                                      * special.hyp2f1(r, b, a + b - 1, z))


def _alive_odds(p: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """The denominator 1 + δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x) of eqs. 10 and 11."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    with np.errstate(divide="ignore", invalid="ignore"):
        term = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return 1.0 + np.where(x > 0, term, 0.0)


def bgnbd_p_alive(p: dict[str, float], x: np.ndarray, t_x: np.ndarray,
                  T: np.ndarray) -> np.ndarray:
    """P(alive at T | x, t_x, T) (FHL eq. 11)."""
    return 1.0 / _alive_odds(p, np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float))


def bgnbd_conditional(p: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                      t: float) -> np.ndarray:
    """E[purchases in the next t weeks | x, t_x, T] (FHL eq. 10)."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    z = t / (alpha + T + t)
    num = ((a + b + x - 1) / (a - 1)) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(r + x, b + x,
                                                                        a + b + x - 1, z))
    return num / _alive_odds(p, x, t_x, T)


def _timing(transactions: pd.DataFrame, s: pd.DataFrame) -> dict[str, float]:
    """Purchase timing over the whole 78 weeks."""
    days = transactions[["customer", "date"]].drop_duplicates().sort_values(["customer", "date"])
    gaps = days.groupby("customer")["date"].diff().dt.days.dropna()
    months = days.assign(m=days["date"].dt.year * 12 + days["date"].dt.month)
    first = months.groupby("customer")["m"].min()
    end_m = END.year * 12 + END.month
    # months after the first purchase's month, and those with a purchase
    observed = (end_m - first).sum()
    bought = months.drop_duplicates(["customer", "m"]).groupby("customer").size().sub(1).sum()
    counts = days.groupby("customer").size() - 1
    exposure_weeks = (((END - days.groupby("customer")["date"].min()).dt.days + 1) / 7.0).sum()
    return {
        "customers": float(len(s)),
        "repeat_purchases_78w": float(counts.sum()),
        "share_never_repeat_78w": float((counts == 0).mean()),
        "share_no_repeat_in_calibration": float((s["x"] == 0).mean()),
        "share_repeaters_silent_in_holdout": float(((s["x"] > 0) & (s["holdout"] == 0)).sum()
                                                   / max((s["x"] > 0).sum(), 1)),
        "repeat_purchases_per_customer_week": float(counts.sum() / exposure_weeks),
        "share_of_later_months_with_a_purchase": float(bought / observed),
        "gap_days_p25": float(gaps.quantile(0.25)), "gap_days_median": float(gaps.median()),
        "gap_days_p75": float(gaps.quantile(0.75)),
        "variance_to_mean_repeat_counts": float(counts.var() / counts.mean()),
    }


def report(path: str | Path | None = None) -> dict[str, pd.DataFrame | dict | str]:
    """Every number of the CDNOW report.

    Returns:
        ``timing`` (dict), ``params`` (BG/NBD fitted beside published), ``by_frequency``
        (holdout purchases by calibration repeat count, actual vs BG/NBD), ``weekly``
        (cumulative repeat purchases by week, actual vs BG/NBD), ``holdout`` (dict of
        aggregates) and ``p_alive`` (dict: its mean and the share below 0.5 at week 39).
    """
    tx = read_cdnow(path)
    s = summarise(tx)
    fit = fit_bgnbd(s["x"], s["t_x"], s["T"])
    params = pd.DataFrame([{"parameter": k, "fitted": fit[k], "published": PUBLISHED[k],
                            "source": "Fader, Hardie & Lee (2005), Marketing Science 24(2)"}
                           for k in PUBLISHED])
    horizon = (END - CAL_END).days / 7.0
    s["predicted"] = bgnbd_conditional(fit, s["x"], s["t_x"], s["T"], horizon)
    s["p_alive"] = bgnbd_p_alive(fit, s["x"], s["t_x"], s["T"])
    freq = s.assign(x_group=s["x"].clip(upper=7))
    by_frequency = (freq.groupby("x_group")
                    .agg(customers=("x", "size"), actual=("holdout", "mean"),
                         predicted=("predicted", "mean")).reset_index())
    days = tx[["customer", "date"]].drop_duplicates()
    first = days.groupby("customer")["date"].transform("min")
    repeat = days[days["date"] > first]
    weeks = np.arange(1, ((END - START).days + 1) // 7 + 1)  # 78 weeks
    actual = np.array([(repeat["date"] < START + pd.Timedelta(weeks=int(w))).sum()
                       for w in weeks], float)
    age = np.clip(weeks[:, None] - s["first_day"].to_numpy()[None, :] / 7.0, 0.0, None)
    predicted = bgnbd_expected(fit, age).sum(axis=1)
    weekly = pd.DataFrame({"week": weeks, "actual": actual, "predicted": predicted,
                           "calibration": weeks <= 39})
    total_actual, total_pred = float(s["holdout"].sum()), float(s["predicted"].sum())
    holdout = {"weeks": horizon, "actual": total_actual, "predicted": total_pred,
               "error_percent": (total_pred - total_actual) / total_actual * 100.0,
               "correlation": float(np.corrcoef(s["holdout"], s["predicted"])[0, 1])}
    p_alive = {"mean": float(s["p_alive"].mean()),
               "share_below_half": float((s["p_alive"] < 0.5).mean())}
    return {"timing": _timing(tx, s), "params": params, "fit": fit,
            "by_frequency": by_frequency, "weekly": weekly, "holdout": holdout,
            "p_alive": p_alive, "path": str(path or cdnow_path())}


def markdown(rep: dict) -> list[str]:
    """The report's text, every number from ``rep`` (:func:`report`)."""
    t, f, h, pa = rep["timing"], rep["fit"], rep["holdout"], rep["p_alive"]
    lam, cv = f["r"] / f["alpha"], 1.0 / math.sqrt(f["r"])
    drop = f["a"] / (f["a"] + f["b"])
    return [
        "## What the data show",
        "",
        f"- {t['customers']:,.0f} customers (first purchase in January-March 1997), "
        f"{t['repeat_purchases_78w']:,.0f} repeat purchases in 78 weeks (same-day orders merged): "
        f"{t['repeat_purchases_per_customer_week']:.3f} per customer and week.",
        f"- {t['share_never_repeat_78w']:.0%} never bought again in 78 weeks; "
        f"{t['share_no_repeat_in_calibration']:.0%} made no repeat purchase in the 39 weeks of "
        f"calibration; of those who did, {t['share_repeaters_silent_in_holdout']:.0%} bought "
        "nothing in the next 39 weeks.",
        f"- A customer bought in {t['share_of_later_months_with_a_purchase']:.1%} of the months "
        "after the month of their first purchase (the model: every relationship pays in every "
        "month it lasts).",
        f"- Gaps between purchases: median {t['gap_days_median']:.0f} days (quartiles "
        f"{t['gap_days_p25']:.0f}-{t['gap_days_p75']:.0f}); repeat counts have a variance "
        f"{t['variance_to_mean_repeat_counts']:.1f} times their mean (1 for identical Poisson "
        "buyers): buyers differ a lot.",
        "",
        "## BG/NBD on 39 weeks of calibration",
        "",
        f"Fitted r = {f['r']:.3f}, alpha = {f['alpha']:.3f}, a = {f['a']:.3f}, b = {f['b']:.3f} "
        "(published 0.243, 4.414, 0.793, 2.426; Fader, Hardie & Lee 2005). While alive a "
        f"customer buys at a rate with mean {lam:.3f} a week (one purchase in "
        f"{1 / lam:.0f} weeks) and coefficient of variation {cv:.1f} across customers; after "
        f"each purchase they leave, unseen, with probability {drop:.2f} on average.",
        f"Holdout (weeks 40-78): {h['actual']:,.0f} repeat purchases observed, "
        f"{h['predicted']:,.0f} predicted ({h['error_percent']:+.1f} %); per-customer "
        f"correlation {h['correlation']:.2f}. At week 39 the mean P(alive) is "
        f"{pa['mean']:.2f} and {pa['share_below_half']:.0%} of customers are more likely gone "
        "than not.",
        "",
        "## What a journey with purchase occasions would change",
        "",
        "- Revenue: a relationship would pay only at purchase occasions (here in about "
        f"{t['share_of_later_months_with_a_purchase']:.0%} of its months), so revenue per "
        "customer, CLV and the return on retention spending would fall by that factor and vary "
        "with each customer's rate.",
        "- Experience, satisfaction and word of mouth would be drawn at occasions too: a rare "
        "buyer would learn and talk less, and the firm would learn about them (knowledge, "
        "personalisation) more slowly.",
        "- Attrition would be silent: a customer who stops buying is not seen leaving, so "
        "retention could no longer be read off contract ends; firms would have to infer it "
        "(P(alive)) and retention offers would be aimed at customers who may already be gone.",
        "",
        "## Do the data support it?",
        "",
        "Yes, for non-contractual markets: purchases are sporadic "
        f"({t['repeat_purchases_per_customer_week']:.3f} a week), very unequal (variance "
        f"{t['variance_to_mean_repeat_counts']:.1f} × the mean), and a model in which customers "
        "buy at their own rate and drop out unseen predicts the holdout within "
        f"{abs(h['error_percent']):.0f} % in aggregate. They say nothing about contractual "
        "markets (subscriptions, B2B contracts), where every month is paid and the end is seen: "
        "there the model's monthly payments are right. The journey is not changed in this "
        "issue.",
    ]
