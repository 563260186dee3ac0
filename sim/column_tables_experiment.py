"""The data dictionary's tables of ``ccsim experiment`` (:mod:`sim.analysis.experiment_report`).

Each experiment's folder (``results/experiments/NAME/``) holds the same tables. Its runs table
has the headline's quantities, each firm's KPIs the experiment reads (``<firm>.<kpi>``), the
premises sampled (named by their configuration keys, or by the premise's name when it is a
choice among presets) and the experiment's own quantities, computed by
``experiments/NAME/analysis.py`` (:data:`OWN`: add an entry there when an experiment gains one).
"""

from __future__ import annotations

from .column_tables import CI, COMPARISON, FIRM_KPIS, REGIONS, SEED
from .columns import Column, Table

C = Column
WRITER = "`ccsim experiment NAME` (results/experiments/NAME/)"
POINTS = "points"
LAST_YEAR = "over the run's last year"

#: The experiments' own per-run quantities (``run_metrics`` of ``experiments/NAME/analysis.py``).
OWN: dict[str, Column] = {
    # b2b_pivot
    "pivoter_share_points": C(POINTS, "b2b_pivot: pc_a's share of all firms' revenue in the "
                                      "last year × 100"),
    "pivoter_profit_share_points": C(POINTS, "b2b_pivot: pc_a's profit ÷ the sum of every "
                                             "firm's |profit| over the run × 100"),
    # bass_docking
    "bass_max_abs_dev": C("fraction", "bass_docking: largest |adopted share − the discrete Bass "
                                      "map| over the periods"),
    "bass_band_excess": C("fraction", "bass_docking: largest excess of that deviation over the "
                                      "sampling band around the map (negative: inside the band "
                                      "at every period)"),
    "bass_closed_form_dev": C("fraction", "bass_docking: largest |adopted share − Bass's "
                                          "closed form|"),
    # co_creation, knowledge_and_data, needs_over_products
    "cc_revenue_share": C("fraction", f"the customer-centric group's share of all firms' revenue "
                                      f"{LAST_YEAR}"),
    "cc_mean_fit": C("fit 0–1", f"the customer-centric group's fit per unit sold, {LAST_YEAR}"),
    "pc_mean_fit": C("fit 0–1", f"the product-centric group's fit per unit sold, {LAST_YEAR}"),
    "cc_quality": C("quality", f"the customer-centric group's quality per unit sold, "
                               f"{LAST_YEAR}"),
    "pc_quality": C("quality", f"the product-centric group's quality per unit sold, "
                               f"{LAST_YEAR}"),
    "cc_knowledge": C("knowledge 0–1", f"the customer-centric group's knowledge per customer, "
                                       f"{LAST_YEAR}"),
    "cc_annual_retention": C("fraction / year", "mean annual retention of the customer-centric "
                                                "firms (firm KPIs)"),
    # frontline_empowerment
    "empowered_minus_cc_retention_points": C(POINTS, "frontline_empowerment: annual retention "
                                                     "of the empowered firm − its twin cc, × 100"),
    "empowered_minus_cc_cagr_points": C("points / year", "frontline_empowerment: revenue CAGR, "
                                                         "empowered − cc, × 100"),
    "empowered_minus_cc_margin_points": C(POINTS, "frontline_empowerment: margin over the run, "
                                                  "empowered − cc, × 100"),
    "empowered_minus_cc_satisfaction": C("0–10 score", f"frontline_empowerment: mean "
                                                       f"satisfaction {LAST_YEAR}, empowered − "
                                                       f"cc"),
    "empowered_minus_cc_nps": C("NPS points", "frontline_empowerment: NPS of the last year, "
                                              "empowered − cc"),
    "empowered_recoveries": C("recoveries", "frontline_empowerment: service failures the "
                                            "empowered firm recovered over the run"),
    # journey_before_contact
    "peer_informed_share": C("fraction", "journey_before_contact: share of choices informed by "
                                         "peers (word of mouth), over the run and every firm"),
    "firm_informed_share": C("fraction", "journey_before_contact: share of choices informed by "
                                         "a firm's advertising"),
    "not_firm_informed_share": C("fraction", "journey_before_contact: 1 − firm_informed_share"),
    # lifetime_value_incentives
    **{f"{o}_revenue_cagr": C("fraction / year", f"lifetime_value_incentives: pooled revenue "
                                                 f"CAGR of the {o}-rewarded firms")
       for o in ("clv", "revenue")},
    **{f"{o}_margin": C("fraction of revenue", f"lifetime_value_incentives: pooled margin of "
                                               f"the {o}-rewarded firms")
       for o in ("clv", "revenue")},
    **{f"{o}_orientation": C("index 0–1", f"lifetime_value_incentives: mean mix coordinate of "
                                          f"the {o}-rewarded firms' final budgets (1: "
                                          f"customer-centric preset)")
       for o in ("clv", "revenue")},
    "clv_minus_revenue_cagr_points": C("points / year", "lifetime_value_incentives: "
                                                        "clv_revenue_cagr − revenue_revenue_cagr, "
                                                        "× 100"),
    "clv_minus_revenue_margin_points": C(POINTS, "lifetime_value_incentives: clv_margin − "
                                                 "revenue_margin, × 100"),
    "clv_minus_revenue_orientation": C("index", "lifetime_value_incentives: clv_orientation − "
                                                "revenue_orientation"),
    # margin_and_price
    "cc_price_premium_pct": C("%", f"margin_and_price: 100 × (mean price of the customer-centric "
                                   f"group ÷ the product-centric group's − 1), core category, "
                                   f"per unit, {LAST_YEAR}"),
    # marketing_immunity, product_aware_1700s
    "wom_acquisition_share": C("fraction", "word of mouth's share of every acquisition over the "
                                           "run"),
    "ad_acquisition_share": C("fraction", "advertising's share of every acquisition over the run"),
    "wom_minus_ads_points": C(POINTS, "marketing_immunity: (wom_acquisition_share − "
                                      "ad_acquisition_share) × 100"),
    "ad_response_rate": C("fraction", "marketing_immunity: customers made aware by ads ÷ "
                                      "exposures of unaware customers, over the run and every "
                                      "firm"),
    "cpa_ads_cc": C("money / acquisition", "marketing_immunity: advertising money ÷ "
                                           "acquisitions through ads, customer-centric group, "
                                           "over the run"),
    "cpa_ads_pc": C("money / acquisition", "marketing_immunity: the same, product-centric group"),
    # mattress_and_bedlinen
    "cc_products_per_customer": C("relationships / customer", f"mattress_and_bedlinen: "
                                                              f"customer-centric group, "
                                                              f"{LAST_YEAR}"),
    "pc_products_per_customer": C("relationships / customer", f"mattress_and_bedlinen: "
                                                              f"product-centric group, "
                                                              f"{LAST_YEAR}"),
    "cc_share_of_wallet": C("fraction", f"mattress_and_bedlinen: share of wallet per customer, "
                                        f"customer-centric group, {LAST_YEAR}"),
    "pc_share_of_wallet": C("fraction", "mattress_and_bedlinen: the same, product-centric "
                                        "group"),
    "cc_cross_sell_acquisitions": C("relationships", "mattress_and_bedlinen: relationships the "
                                                     "customer-centric group won by "
                                                     "cross-selling over the run"),
    # pivot_j_curve
    "pivoter_last_year_profit": C("money", "pivot_j_curve: pc_a's profit over the last year"),
    "pivoter_first_year_profit": C("money", "pivot_j_curve: pc_a's profit in the 12 months from "
                                            "its pivot month"),
    # punishing_exploitation
    "exploiter_vs_fair_year2_pct": C("%", "punishing_exploitation: revenue in year 2, exploiter "
                                          "÷ its fair twin − 1, × 100"),
    "exploiter_vs_fair_last_year_pct": C("%", "punishing_exploitation: the same in the last "
                                              "year"),
    "exploiter_minus_fair_profit_share_points": C(POINTS, "punishing_exploitation: the "
                                                          "exploiter's share of the pair's "
                                                          "profit over the run × 100 − 50"),
    "exploiter_minus_fair_retention_points": C(POINTS, "punishing_exploitation: annual "
                                                       "retention, exploiter − fair, × 100"),
    "exploiter_minus_fair_nps": C("NPS points", f"punishing_exploitation: NPS {LAST_YEAR}, "
                                                f"exploiter − fair"),
    # renting_not_owning
    "retention_gap_points": C(POINTS, "renting_not_owning: mean annual retention of the "
                                      "customer-centric firms − the product-centric ones, × 100"),
    # value_80_20
    "cc_intangible_share": C("fraction", "value_80_20: the customer-centric firms' mean "
                                         "intangible share of firm value at the last step"),
    "pc_intangible_share": C("fraction", "value_80_20: the same, product-centric firms"),
    "cc_minus_pc_intangible_points": C(POINTS, "value_80_20: (cc_intangible_share − "
                                               "pc_intangible_share) × 100"),
    # a categorical premise (two_to_one)
    "pricing": C("", "the premise `pricing` at the point: every firm cost_plus, or every firm "
                     "value_based (the preset's name)"),
}
KPIS = "|".join(k for k in FIRM_KPIS if k not in ("firm", "strategy"))
OWN_PATTERNS = (
    (rf"([A-Za-z0-9_]+)\.({KPIS})", C("the KPI's", "firm `{0}`'s `{1}` (sim.metrics.firm_kpis; "
                                                   "see the firm_kpis table)")),
    (r"(cc|pc)_sbg_(alpha|beta)", C("", "renting_not_owning: the sBG's {1} fitted to the "
                                        "{0} group's monthly cohorts (core category)")),
    (r"(cc|pc)_sbg_retention_12", C("fraction", "renting_not_owning: share of a {0} cohort "
                                                "alive after 12 months under that sBG")),
)
ARM = C("", "the arm (a name in the experiment's config.yaml)")
POINT = C("", "`base` (the experiment's base point) or a Latin-hypercube point p000, p001, …")
RUNS = {
    "run_id": C("", "the run's folder in the experiment's sweep"),
    "arm": ARM, "point": POINT, "seed": SEED, **COMPARISON, **OWN,
}
VERDICT = {
    "verdict": C("", "holds, fails or inconclusive (the claim's rule: 95% CI against the "
                     "threshold, at least 5 seeds)"),
    "estimate": C("the quantity's", "mean over seeds (of the claim's arms' contrast)"),
    "ci_low": CI["ci_low"], "ci_high": CI["ci_high"],
}
SUMMARY = {
    "role": C("", "claim (the first row, judged) or report"),
    "quantity": C("", "what the row is, in words"),
    "metric": C("", "the per-run quantity (a column of the runs table)"),
    "arms": C("", "the arms it is read on, or their contrast (`contest − placebo`)"),
    **{k: VERDICT[k] for k in ("estimate", "ci_low", "ci_high")},
    "seeds": C("seeds", "seeds the estimate is over"),
    "unit": C("", "the row's unit (after its scale)"),
    "verdict": VERDICT["verdict"],
    "note": C("", "why the verdict, or why a value is undefined"),
}
SERIES = {
    "series": C("", "the series' label"),
    "column": C("", "the timeseries column drawn"),
    "unit": C("", "its unit"),
    "per": C("", "step (months) or year"),
    "arm": C("", "the arm, or a contrast of arms"),
    "line": C("", "a strategy group, a firm or the market"),
    "x": C("month or year", "the step or year"),
    "mean": CI["mean"], "ci_low": CI["ci_low"], "ci_high": CI["ci_high"], "n": CI["n"],
}
POINTS_TABLE = {
    "point": POINT, **VERDICT,
    "n": C("seeds", "seeds run at the point"),
    "n_undefined": C("seeds", "seeds where the claim's quantity is undefined"),
    "reason": C("", "why the verdict"),
    "claim_margin": C("the claim's", "estimate − threshold, signed so that > 0 is on the "
                                     "claim's side"),
    "pricing": OWN["pricing"],
}
PREMISES = {
    "premise": C("", "the configuration key (or the categorical premise's name)"),
    "range": C("the key's", "the range sampled, or the presets"),
    "low": C("the key's", "lower end of the range"),
    "high": C("the key's", "upper end of the range"),
    "presets": C("", "the presets of a categorical premise (`|`-joined)"),
    "why": C("", "why the range is what it is"),
}
PRIM = {
    "target": C("", "the verdict PRIM peels towards: holds or fails"),
    "box": C("", "the box's index on the peeling trajectory"),
    "coverage": C("fraction", "share of all points of interest inside the box"),
    "density": C("fraction", "share of the points inside the box that are of interest"),
    "mass": C("fraction", "share of all points inside the box"),
    "res_dim": C("premises", "premises the box restricts"),
    "n": C(POINTS, "points inside the box"),
    "k": C(POINTS, "points of interest inside the box"),
    "chosen": C("true/false", "the box reported: highest coverage with density ≥ 0.8"),
    "note": C("", "why there is no box, or which was chosen"),
    "points": C(POINTS, "points of interest (of the target verdict)"),
    "total": C(POINTS, "all points"),
}
PRIM_BOXES = {
    "target": PRIM["target"],
    "premise": PREMISES["premise"],
    "low": C("the premise's", "lower end of the box (empty for a categorical premise)"),
    "high": C("the premise's", "upper end of the box"),
    "categories": C("", "the presets inside the box (`|`-joined; categorical premises)"),
    "restricted": C("true/false", "narrower than the range sampled"),
}

TABLES: list[Table] = [
    Table("experiment_runs", ("runs.parquet",), WRITER, "run (arm × point × seed)", RUNS,
          OWN_PATTERNS, config_keys=True, explicit=True,
          note="Each experiment's own quantities are computed by its `experiments/NAME/"
               "analysis.py` (`run_metrics`), which says how; the premises are columns named "
               "by their configuration keys."),
    Table("experiment_summary", ("summary.csv",), WRITER, "quantity judged or reported",
          SUMMARY),
    Table("experiment_series", ("series.csv",), WRITER, "series × arm × line × month or year",
          SERIES),
    Table("experiment_points", ("points.csv",), WRITER, "Latin-hypercube point", POINTS_TABLE,
          config_keys=True),
    Table("experiment_premises", ("premises.csv",), WRITER, "premise", PREMISES),
    Table("experiment_arms", ("arms.csv",), WRITER, "arm",
          {"arm": ARM, "overrides": C("", "the arm's overrides of the base (space-separated)"),
           "off": C("", "mechanisms the arm switches off (their money still spent)")}),
    Table("experiment_prim", ("prim.csv",), WRITER, "box on PRIM's peeling trajectory (or a "
          "row saying there is none)", PRIM),
    Table("experiment_prim_boxes", ("prim_boxes.csv",), WRITER, "premise of a chosen box",
          PRIM_BOXES),
    Table("experiment_regions", ("regions.csv",), WRITER, "premise × third of its range",
          {**REGIONS, "output": C("", "claim_margin (estimate − threshold, signed: > 0 on the "
                                      "claim's side)"),
           "reversed_share": C("fraction", "share of the points in the third where the claim "
                                           "is missed (claim_margin < 0)"),
           "mean": C("the claim's", "mean claim_margin over those points")}),
]
