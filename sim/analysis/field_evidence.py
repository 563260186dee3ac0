"""Field evidence for the customer levers: the published figures, and the verdict on the model's.

Issue 26 re-runs published field studies inside the model (``ccsim replicate``,
:mod:`sim.studies.replicate`). This module holds what the studies published — one
:class:`Published` row per figure, with its source, where in the source it stands, and the band
the model's figure is judged against — and judges a model figure against it
(:func:`verdict`): a row is **met** when the model's 95 % CI overlaps the published 95 %
interval; a source that gives no interval is judged on the sign alone (the row says so);
a row the model misses is **cannot be produced** only if the ODD names the missing mechanism
(the issue's known gaps: ``gap``), else **missed**. :func:`table` builds the generated
field-evidence table from the studies' saved summaries (``results/replications/*/summary.csv``);
it reads saved tables only and never runs the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["PUBLISHED", "RULES", "Published", "load_summaries", "published", "table",
           "verdict"]

#: How a row is judged: key → (the judgement, the condition to be met, its negation).
RULES = {
    "interval": ("against the published 95% interval",
                 "the model's 95% CI overlaps the published 95% interval",
                 "the model's 95% CI misses the published 95% interval"),
    "+": ("sign only (no interval published)", "the model's 95% CI lies above 0",
          "the model's 95% CI does not lie above 0"),
    "-": ("sign only (no interval published)", "the model's 95% CI lies below 0",
          "the model's 95% CI does not lie below 0"),
    "0": ("sign only (no effect published)", "the model's 95% CI contains 0",
          "the model's 95% CI excludes 0"),
    "not-": ("sign only (no interval published)",
             "the model's 95% CI reaches 0 or above (not clearly negative)",
             "the model's 95% CI lies below 0"),
}
MET, MISSED, CANNOT = "met", "missed", "cannot be produced"


@dataclass(frozen=True)
class Published:
    """One published figure and how the model's figure is judged against it.

    Attributes:
        row: Key of the row (``ascarza2016``).
        study: The ``ccsim replicate`` study that measures it.
        lever: The customer lever (or premise) it speaks to.
        source: Authors, year, journal, volume(issue), pages.
        where: Where in the source the figure stands, or what could not be verified.
        figure: The published figure as text.
        rule: A key of :data:`RULES`.
        band: The published 95 % interval (``rule == "interval"`` only).
        measure: What the model's figure is, in its units.
        gap: Why the model cannot produce it, when the ODD names the missing mechanism (an
            issue's known gap); empty otherwise.
        value: The published figure as a number in the model's measure's unit, where it has
            one (the re-calibration's tie-break, :mod:`sim.analysis.field_evidence_loss`);
            None for a bound ("up to") or a sign.
    """

    row: str
    study: str
    lever: str
    source: str
    where: str
    figure: str
    rule: str
    measure: str
    band: tuple[float, float] | None = None
    gap: str = ""
    value: float | None = None

    def band_text(self) -> str:
        """The band the row is judged against, as text."""
        if self.rule == "interval" and self.band is not None:
            return f"[{self.band[0]:+.3g}, {self.band[1]:+.3g}]"
        return {"+": "> 0 (sign only)", "-": "< 0 (sign only)", "0": "0 (no effect; sign only)",
                "not-": "≥ 0 (not negative; sign only)"}.get(self.rule, "")


_GAP_RECOVERY = ("a recovery sets the month's experience equal to the customer's expectation "
                 "(ODD §7.9) and cannot beat it, so a month with a fixed failure moves "
                 "satisfaction no further than a month without one")
_GAP_CROSS = ("every customer of a firm costs the same to serve per unit and no price is below "
              "cost (no returns, service over-use or promotion-only buying; ODD §12.5): only "
              "retention offers, contact credits and recoveries vary per customer")

_GAP_SELECTION = ("customers do not decide to join a programme (ODD §7.19: membership is "
                  "assigned), so there is no self-selection to produce and the naive "
                  "comparison has no analogue")

#: Every published figure the studies re-run, in the order of the table.
PUBLISHED: tuple[Published, ...] = (
    Published("you2015_volume", "word_of_mouth", "word of mouth",
              "You, Vadakkepatt & Joshi 2015, J. Marketing 79(2), 19–39",
              "abstract (mean of 339 volume elasticities)",
              "eWOM volume elasticity of sales +0.236", "+",
              "elasticity of a firm's unit sales in months 1–12 to ±10 % on its referral "
              "hazards (how much of its promoters' word reaches people), mean over firms",
              value=0.236),
    Published("you2015_valence", "word_of_mouth", "word of mouth",
              "You, Vadakkepatt & Joshi 2015, J. Marketing 79(2), 19–39",
              "abstract (mean of 271 valence elasticities)",
              "eWOM valence elasticity of sales +0.417", "+",
              "within-firm regression (firm-months, fixed effects) of ln acquisitions on last "
              "month's ln mean satisfaction of the firm's relationships (the average rating), "
              "with ln number of customers speaking of it", value=0.417),
    Published("trusov2009", "word_of_mouth", "word of mouth (referrals)",
              "Trusov, Bucklin & Pauwels 2009, J. Marketing 73(5), 90–102",
              "abstract and ODD §12.2 (long-run elasticity; interval not verified here)",
              "long-run elasticity of sign-ups to referrals +0.53", "+",
              "elasticity of a firm's acquisitions in months 25–36 to ±10 % on its "
              "referral hazards (ccsim elasticities' definition), mean over firms", value=0.53),
    Published("otto2020", "satisfaction", "satisfaction → performance",
              "Otto, Szymanski & Varadarajan 2020, J. Acad. Marketing Sci. 48(3), 543–564",
              "abstract (251 correlations from 96 studies; the interval was not verified)",
              "mean correlation r = +0.101", "+",
              "Pearson r over firm-years (years 2–10) of a firm's mean satisfaction and its "
              "return on sales (profit ÷ revenue), the unit and measure of most studies pooled",
              value=0.101),
    Published("mittal2023", "satisfaction", "satisfaction → retention",
              "Mittal, Han, Frennea et al. 2023, Marketing Letters 34(2)",
              "abstract (535 correlations from 245 articles; the retention correlation's value "
              "was not verified here)",
              "positive association of satisfaction with retention", "+",
              "correlation over customers between satisfaction at the end of the burn-in and "
              "still buying the category from the same firm 12 months later"),
    Published("ansari_mela2003", "personalisation", "personalisation",
              "Ansari & Mela 2003, J. Marketing Research 40(2), 131–145",
              "abstract: 'up to 62 %' (not verified in the stored sources)",
              "targeted e-mail content raised click-through by up to +62 %", "+",
              "lift (%) in the chance that the firm's customers, when in the market, choose "
              "it, with its personalised offer vs its generic offer (twin runs, 12 months)"),
    Published("lambrecht_tucker2013", "personalisation", "personalisation (can backfire)",
              "Lambrecht & Tucker 2013, J. Marketing Research 50(5), 561–576",
              "abstract: dynamic (personalised) retargeted ads are on average less effective "
              "than generic ones",
              "personalised ads underperform generic ones on average", "-",
              "the same lift among the half of the firm's customers it knows least (its "
              "estimate of their needs is poorest)"),
    Published("ascarza2016", "retention_offers", "retention offers (proactive contact)",
              "Ascarza, Iyengar & Schleicher 2016, J. Marketing Research 53(1), 46–60",
              "abstract (6 % vs 10 %); 10.0 % vs 6.4 % of about 65,000 customers: HBR "
              "2015 summary; group sizes, hence an interval, not verified",
              "churn in 3 months +3.6 points (10.0 % contacted vs 6.4 % control)", "+",
              "churn (points) of the firm's contacted customers in the 3 months after a "
              "proactive contact with a credit, minus the same customers uncontacted (twins)",
              value=3.6),
    Published("ascarza2018", "retention_offers", "retention offers (targeting by risk)",
              "Ascarza 2018, J. Marketing Research 55(1), 80–98",
              "abstract: the highest-risk customers are not necessarily the best targets",
              "targeting the highest churn risk can be futile", "not-",
              "the contact's effect on churn (points) among the third of contacted customers "
              "least satisfied at the contact, minus its effect among the rest"),
    Published("leenheer2007", "loyalty", "loyalty programme",
              "Leenheer, van Heerde, Bijmolt & Smidts 2007, Int. J. Research in Marketing "
              "24(1), 31–47",
              "abstract: small positive significant effect once self-selection is removed "
              "(7× smaller than the naive one); its size not verified here",
              "small positive effect of membership on share of wallet", "+",
              "members' share of their category-months bought from the firm, enrolled at "
              "random (no self-selection), minus the same customers not enrolled (points)"),
    Published("leenheer2007_selection", "loyalty", "loyalty programme (self-selection)",
              "Leenheer, van Heerde, Bijmolt & Smidts 2007, Int. J. Research in Marketing "
              "24(1), 31–47",
              "abstract: the effect is seven times smaller than a naive model that ignores "
              "self-selection suggests",
              "members vs non-members overstates the effect about 7×", "+",
              "the naive members-vs-non-members difference ÷ the effect of random enrolment − 1",
              gap=_GAP_SELECTION, value=6.0),
    Published("liu2007_light", "loyalty", "loyalty programme (light buyers)",
              "Liu 2007, J. Marketing 71(4), 19–35", "abstract",
              "light and moderate buyers gradually bought more", "+",
              "category-months bought from the firm per member who bought at most one "
              "category from it at enrolment, minus the same customers not enrolled"),
    Published("liu2007_heavy", "loyalty", "loyalty programme (heavy buyers)",
              "Liu 2007, J. Marketing 71(4), 19–35", "abstract",
              "heavy buyers did not change their purchases", "0",
              "the same per member who bought both categories from the firm at enrolment"),
    Published("de_matos2007", "service_recovery", "service recovery",
              "de Matos, Henrique & Rossi 2007, J. Service Research 10(1), 60–77",
              "abstract: significant positive mean effect on satisfaction; non-significant on "
              "repurchase, word of mouth and image (effect sizes not verified here)",
              "service recovery paradox: post-recovery satisfaction above pre-failure", "+",
              "change of a customer's satisfaction (0–10) over a month in which the firm "
              "fixed their bad experience, minus the change over a month without a failure",
              gap=_GAP_RECOVERY),
    Published("shah2012", "cross_selling", "cross-selling",
              "Shah, Kumar, Qu & Chen 2012, J. Marketing 76(3), 78–95",
              "'1 in 5 cross-buying customers is unprofitable': Shah & Kumar, HBR Dec 2012, "
              "p. 21 (five firms); no interval",
              "about 1 in 5 cross-buyers unprofitable (a sizeable minority)", "+",
              "share (%) of the firm's cross-buyers whose contribution over 24 months, less "
              "their share of its customer-lever money, is negative", gap=_GAP_CROSS,
              value=20.0),
    Published("rust1995_too_much", "service_quality", "service quality",
              "Rust, Zahorik & Keiningham 1995, J. Marketing 59(2), 58–70",
              "abstract: 'it is possible to spend too much on quality'",
              "spending more on quality can lower profit", "-",
              "change of the firm's profit over 36 months when its service money goes from "
              "4× to 8× its plan, % of its profit at 1×"),
    Published("rust1995_concave", "service_quality", "service quality",
              "Rust, Zahorik & Keiningham 1995, J. Marketing 59(2), 58–70",
              "abstract and framework: returns to quality spending diminish",
              "diminishing returns to quality spending", "+",
              "profit per extra money of service at the first doubling (1×→2×) minus at the "
              "last (4×→8×)"),
)


def published(row: str) -> Published:
    """The published row ``row``."""
    for p in PUBLISHED:
        if p.row == row:
            return p
    raise KeyError(row)


def verdict(p: Published, mean: float, low: float, high: float) -> tuple[str, str]:
    """(status, reason) of a model figure with its 95 % CI against the published row."""
    if not all(math.isfinite(x) for x in (mean, low, high)):
        status, reason = MISSED, "the model's figure or its CI is undefined"
    else:
        if p.rule == "interval":
            lo, hi = p.band  # type: ignore[misc]
            ok = low <= hi and high >= lo
        elif p.rule == "+":
            ok = low > 0
        elif p.rule == "-":
            ok = high < 0
        elif p.rule == "0":
            ok = low <= 0 <= high
        elif p.rule == "not-":
            ok = high >= 0
        else:
            raise ValueError(f"{p.row}: unknown rule {p.rule!r}")
        judged, holds, fails = RULES[p.rule]
        if ok:
            return MET, f"{judged}: {holds}"
        status, reason = MISSED, f"{judged}: {fails}"
    if p.gap:
        return CANNOT, p.gap
    return status, reason


def load_summaries(root: str | Path | None = None) -> pd.DataFrame:
    """Every study's ``summary.csv`` under ``root``, one row per published figure.

    ``root`` defaults to the committed ``results/replications`` of this repository.
    """
    from .generated_blocks import ROOT

    root = Path(root) if root is not None else ROOT / "results" / "replications"
    frames = [pd.read_csv(path) for path in sorted(root.glob("*/summary.csv"))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _num(x: float, unit: str = "") -> str:
    return "—" if not math.isfinite(x) else f"{x:+.3g}{unit}"


def table(summaries: pd.DataFrame) -> str:
    """The generated field-evidence table (Markdown), in :data:`PUBLISHED`'s order.

    A published figure without a saved summary is listed as not yet run.
    """
    lines = ["| study | lever | published (band) | model [95% CI] | setting | status |",
             "|---|---|---|---|---|---|"]
    by_row = {r["row"]: r for r in summaries.to_dict("records")} if len(summaries) else {}
    for p in PUBLISHED:
        r = by_row.get(p.row)
        pub = f"{p.figure} ({p.band_text()}; {p.where})"
        if r is None:
            model, setting, status = "not run yet", "", f"— (`ccsim replicate {p.study}`)"
        else:
            model = (f"{_num(r['mean'])} [{_num(r['ci_low'])}, {_num(r['ci_high'])}]: "
                     f"{p.measure}")
            setting = (f"{r['scenario']}, {int(r['n_customers']):,} customers × "
                       f"{int(r['n'])} seeds, `{str(r['git_commit'])[:9]}`")
            status = f"**{r['status']}**: {r['reason']}"
        lines.append(f"| {p.source} | {p.lever} | {pub} | {model} | {setting} | {status} |")
    return "\n".join(lines) + "\n"
