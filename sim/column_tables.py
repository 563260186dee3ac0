"""The entries of the data dictionary (:mod:`sim.columns`): one :class:`Table` per table written.

Units: ``money`` is the model's currency (prices and costs are counted in integer cents and
written as money); a step is one month; ``fraction`` is a number in 0–1 unless said otherwise;
``points`` are percentage points. An empty unit marks a label or an identifier.

To add a table, append a ``Table(...)`` to :data:`TABLES`; a test runs every ``--quick``
command and names any column that has no entry here.
"""

from __future__ import annotations

from .columns import Column, Table
from .strategies import LEVERS

C = Column
MONEY = "money / month"
FRACTION = "fraction 0–1"
PEOPLE = "customers"
RELS = "relationships"
PER_STEP = "per month"
LEVER_NAMES = "|".join(LEVERS)

# ----------------------------------------------------------------------------------------------
# One run (ccsim run): timeseries.parquet, spells.parquet, network_sample.parquet

TIMESERIES: dict[str, Column] = {
    "step": C("month", "step of the run, 1 … market.steps (one step = one month)"),
    "year": C("year", "year of the run the step falls in: (step − 1) ÷ steps_per_year + 1"),
    "firm": C("", "firm name (the key under `firms` in the configuration)"),
    "strategy": C("", "the firm's strategy preset: product_centric, customer_centric, mix, "
                      "custom"),
    "objective": C("", "what steers the firm's budget re-allocation: fixed, revenue, clv"),
    "customers": C(PEOPLE, "customers buying at least one category from the firm at the end of "
                           "the step"),
    "relationships": C(RELS, "customer–category relationships at the end of the step"),
    "products_per_customer": C("relationships / customer", "relationships ÷ customers"),
    "aware": C(PEOPLE, "customers who know the firm (any channel)"),
    "acq_initial": C(f"{RELS} {PER_STEP}", "acquisitions of customers who had known the firm "
                                           "since step 0"),
    "acq_ads": C(f"{RELS} {PER_STEP}", "acquisitions of customers who learnt of the firm from "
                                       "advertising"),
    "acq_wom": C(f"{RELS} {PER_STEP}", "acquisitions of customers who learnt of the firm by "
                                       "word of mouth"),
    "acq_search": C(f"{RELS} {PER_STEP}", "acquisitions of customers who found the firm by "
                                          "their own search"),
    "acq_cross_sell": C(f"{RELS} {PER_STEP}", "acquisitions through a triggered cross-sell "
                                              "offer"),
    "acquisitions": C(f"{RELS} {PER_STEP}", "sum of the five acquisition columns"),
    "churned": C(f"{RELS} {PER_STEP}", "relationships lost: lost_churn + lost_switch + "
                                       "lost_outside"),
    "lost_churn": C(f"{RELS} {PER_STEP}", "relationships ended by the churn hazard"),
    "lost_switch": C(f"{RELS} {PER_STEP}", "relationships lost to another firm at a renewal "
                                           "choice"),
    "lost_outside": C(f"{RELS} {PER_STEP}", "relationships lost to the outside option (buying "
                                            "nothing) at a renewal choice"),
    "saved": C(f"{RELS} {PER_STEP}", "relationships kept by an accepted retention offer (at a "
                                     "choice or at churn)"),
    "retention_offers": C(f"offers {PER_STEP}", "retention offers made (to customers about to "
                                                "switch or churn whom the firm knows)"),
    "recoveries": C(f"experiences {PER_STEP}", "bad experiences (satisfaction ≤ detractor "
                                               "threshold) fixed on the spot by empowered "
                                               "frontline staff"),
    "retention": C(f"{FRACTION} {PER_STEP}", "1 − churned ÷ relationships at the start of the "
                                             "step (NaN if none)"),
    "units": C(f"category-months {PER_STEP}", "category-months delivered and paid for"),
    "revenue": C(MONEY, "money received (prices paid), counted in integer cents"),
    "cogs": C(MONEY, "production costs of the units delivered (unit cost at the firm's "
                     "quality)"),
    "cost_service_delivery": C(MONEY, "service delivery: Σ over units of unit cost × "
                                      "service_cost × service level"),
    "cost_personalisation_delivery": C(MONEY, "personalisation delivery: Σ over units of unit "
                                              "cost × personalisation_cost × personalisation "
                                              "level"),
    "cost_retention_offers": C(MONEY, "cost of the retention offers accepted (the firm pays "
                                      "for what it gave)"),
    "cost_recovery_delivery": C(MONEY, "cost of the recoveries (recovery_cost × price each)"),
    "cost_fixed": C(MONEY, "fixed cost"),
    "cost_promotion": C(MONEY, "revenue forgone to the discount: list revenue − revenue (not "
                               "cash)"),
    "profit": C(MONEY, "contribution − retention offers − cash lever spending − fixed cost"),
    "margin": C("fraction of revenue", "profit ÷ revenue (NaN without revenue)"),
    "cash": C("money", "cumulative profit since step 1"),
    "market_share": C(FRACTION, "the firm's share of all firms' revenue in the step"),
    "customer_share": C(FRACTION, "the firm's share of all relationships"),
    "price": C("money / category-month", "price paid in the first (core) category, after the "
                                         "discount"),
    "discount": C("fraction of list price", "price promotion depth"),
    "quality": C("index 0–1", "product quality"),
    "service": C("index 0–1", "service level"),
    "ad_reach": C(f"probability {PER_STEP}", "chance a customer is exposed to the firm's "
                                             "advertising in a step"),
    "personalisation": C(FRACTION, "share of the offer–need distance removed for a fully known "
                                   "customer"),
    "appeal": C("index 0–1", "generic appeal A/(A + hN) of all lever money (neutral levers "
                             "only, else 0)"),
    "novelty": C("index 0–1", "novelty of the firm's latest version (1 at a launch, wearing "
                              "off)"),
    "versions": C("versions", "new versions launched so far (R&D money ÷ version_cost per market "
                              "customer)"),
    "ad_exposures": C(f"exposures {PER_STEP}", "advertising exposures (aware and unaware "
                                               "customers)"),
    "ad_response_rate": C(FRACTION, "awareness events by advertising ÷ exposures of unaware "
                                    "customers"),
    "cpa_ads": C("money / acquisition", "advertising spending ÷ acquisitions by advertising "
                                        "(NaN if none)"),
    "aware_ads": C(f"{PEOPLE} {PER_STEP}", "customers who became aware of the firm by "
                                           "advertising"),
    "aware_wom": C(f"{PEOPLE} {PER_STEP}", "customers who became aware of the firm by word of "
                                           "mouth"),
    "aware_search": C(f"{PEOPLE} {PER_STEP}", "customers who found the firm by search"),
    "choices": C(f"choices {PER_STEP}", "choices of the firm by customers in the market (saved "
                                        "and staying customers included)"),
    "peer_informed_share": C(FRACTION, "share of choices by customers who learnt of the firm "
                                       "by word of mouth"),
    "firm_informed_share": C(FRACTION, "share of choices by customers who learnt of the firm "
                                       "by advertising"),
    "nps": C("score −100…+100", "net promoter score: 100 × (promoter − detractor "
                                "relationships) ÷ relationships"),
    "mean_satisfaction": C("score 0–10", "mean satisfaction over relationships"),
    "mean_tenure": C("months", "mean tenure over relationships"),
    "mean_fit": C("index 0–1", "mean fit (offer to need) over units delivered"),
    "mean_experience": C("score 0–10", "mean experience over units delivered"),
    "knowledge": C(FRACTION, "mean knowledge of its customers"),
    "share_of_wallet": C(FRACTION, "mean over customers of the share of their spending in the "
                                   "step paid to the firm"),
    "mean_belief": C("utility units", "mean belief about the firm over customers who know it"),
    "clv": C("money / relationship", "customer lifetime value of a relationship, discounted at "
                                     "market.economics.discount_rate (ODD §7.15)"),
    "customer_equity": C("money", "expected future contribution of current relationships (ODD "
                                  "§7.15)"),
    "tangible_assets": C("money", "tangible assets plus positive cash"),
    "intangible_share": C(FRACTION, "customer equity ÷ (customer equity + tangible assets)"),
    "orientation": C("index 0–1", "budget share on customer levers (0 product … 1 customer)"),
}
LEVER_PATTERNS: tuple[tuple[str, Column], ...] = (
    (rf"cost_({LEVER_NAMES})", C(MONEY, "lever spending on `{0}` (budget × share)")),
    (rf"share_({LEVER_NAMES})", C(FRACTION, "budget share of the lever `{0}`")),
)

SPELLS = {
    "customer": C("", "customer index in the market (0 … n_customers − 1)"),
    "category": C("", "category index (0 = core, the order of market.categories)"),
    "firm": C("", "firm index (the order of `firms` in the configuration)"),
    "start": C("month", "step the relationship began (0: existing at the start of the run)"),
    "end": C("month", "step it ended; −1 while still active at the end of the run"),
    "firm_name": C("", "firm name"),
}
NETWORK_SAMPLE = {
    "customer": C("", "customer index in the market"),
    "persona": C("", "the customer's persona (cluster of needs), 0 … n_personas − 1"),
    "x": C("layout units", "horizontal position in the sample's spring layout"),
    "y": C("layout units", "vertical position in the sample's spring layout"),
    "neighbours": C("", "indices of the customer's neighbours that are in the sample too"),
}

# ----------------------------------------------------------------------------------------------
# The headline (sim.metrics.strategy_comparison), shared by every table of runs

COMPARISON = {
    "customer_centric_firms": C("firms", "firms in the customer-centric group (by their final "
                                         "budget's mix)"),
    "product_centric_firms": C("firms", "firms in the product-centric group"),
    "customer_centric_revenue_cagr": C("fraction / year", "the customer-centric group's pooled "
                                       "revenue CAGR, first full year to last"),
    "product_centric_revenue_cagr": C("fraction / year", "the product-centric group's pooled "
                                      "revenue CAGR, first full year to last"),
    "customer_centric_revenue_multiple": C("×", "customer-centric last-year ÷ first-year "
                                                "revenue"),
    "product_centric_revenue_multiple": C("×", "product-centric last-year ÷ first-year "
                                               "revenue"),
    "customer_centric_margin": C("fraction of revenue", "customer-centric profit ÷ revenue "
                                                        "over the run (pooled)"),
    "product_centric_margin": C("fraction of revenue", "product-centric profit ÷ revenue over "
                                                       "the run (pooled)"),
    "growth_gap_points": C("points / year", "CAGR_cc − CAGR_pc"),
    "revenue_multiple_ratio": C("×", "multiple_cc ÷ multiple_pc (both groups with revenue)"),
    "growth_ratio": C("×", "CAGR_cc ÷ CAGR_pc, only when both CAGRs are > 0, else NaN"),
    "margin_gap_points": C("points", "margin_cc − margin_pc"),
    "market_cagr": C("fraction / year", "CAGR of all firms' revenue (the category's growth), the "
                                        "windows of the group CAGRs"),
    "share_gain_points": C("points / year", "100 × (S_last − S_first) ÷ years, S the "
                                            "customer-centric group's share of all firms' "
                                            "revenue in the first and last window"),
    "customer_centric_category_part": C("fraction", "ln(1 + market_cagr) ÷ ln(1 + CAGR_cc): "
                                                    "the part of the group's growth that was "
                                                    "the category's (both CAGRs > 0, else NaN)"),
    "product_centric_category_part": C("fraction", "ln(1 + market_cagr) ÷ ln(1 + CAGR_pc) "
                                                   "(both CAGRs > 0, else NaN)"),
}
SECONDS = C("s", "wall time of the run(s) behind the row")
SEED = C("", "random seed of the run")

# ----------------------------------------------------------------------------------------------
# A sweep (ccsim collect, ccsim plot)

FIRM_KPIS = {
    "firm": TIMESERIES["firm"],
    "strategy": TIMESERIES["strategy"],
    "orientation": C("index 0–1", "budget share on customer levers at the last step"),
    "revenue_cagr": C("fraction / year", "revenue CAGR of the firm, first full year to last"),
    "mean_margin": C("fraction of revenue", "profit ÷ revenue over the whole run"),
    "annual_retention": C("fraction / year", "relationships kept over a year, from the monthly "
                                             "retention"),
    "final_share": C(FRACTION, "share of market revenue in the last month"),
    "final_customers": C(PEOPLE, "customers at the last step"),
    "start_relationships": C(RELS, "relationships held at the start of the run"),
    "nps": C("score −100…+100", "mean NPS over the last year"),
    "mean_clv": C("money / relationship", "mean CLV over the last year"),
    "products_per_customer": C("relationships / customer", "mean over the last year"),
    "intangible_share": C(FRACTION, "customer equity ÷ (customer equity + tangible assets) at "
                                    "the last step"),
    "total_revenue": C("money", "revenue over the whole run"),
    "total_profit": C("money", "profit over the whole run"),
    **{k: C(RELS, f"{TIMESERIES[k].meaning}, summed over the run")
       for k in ("acq_ads", "acq_wom", "acq_search", "acq_cross_sell", "acq_initial")},
}
RUN_ID = C("", "the job's folder name inside the sweep folder")
KPI_NAMES = "|".join(COMPARISON)

# ----------------------------------------------------------------------------------------------
# Studies

ELASTICITY_RUNS = {
    "seed": SEED,
    "firm": C("", "the changed firm (its lever moved ±step), or `mean` over firms"),
    "strategy": TIMESERIES["strategy"],
    "lever": C("", "what was changed: advertising, promotion, service, rd, price, "
                   "word_of_mouth"),
    "quantity": C("", "what responded: units, acquisitions, choice_share"),
    "window": C("", "short (months 1–12 after the change) or long (months 25–36)"),
    "q_minus": C("the quantity's", "the quantity over the window with the lever at −step"),
    "q_plus": C("the quantity's", "the quantity over the window with the lever at +step"),
    "elasticity": C("dimensionless", "arc elasticity ln(Q+/Q−) ÷ ln((1+step)/(1−step))"),
    "spend_share": C(FRACTION, "the lever's share of the firm's budget when changed"),
    "seconds": SECONDS,
}
CI = {
    "n": C("runs", "values the mean is over"),
    "mean": C("the value's", "mean over seeds"),
    "sd": C("the value's", "standard deviation over seeds"),
    "ci_low": C("the value's", "lower bound of the 95% Student-t interval of the mean"),
    "ci_high": C("the value's", "upper bound of the 95% Student-t interval of the mean"),
}
ELASTICITY_SUMMARY = {
    "lever": ELASTICITY_RUNS["lever"], "quantity": ELASTICITY_RUNS["quantity"],
    "window": ELASTICITY_RUNS["window"], "firm": ELASTICITY_RUNS["firm"], **CI,
    "benchmark": C("dimensionless", "the published elasticity it is compared with (NaN: none)"),
    "source": C("", "where the benchmark comes from"),
    "headline": C("true/false", "one of the rows the printed table shows"),
}
DECOMPOSE_SUMMARY = {
    "variant": C("", "the mechanism switched off (its money still spent), `baseline` or "
                     "`placebo` (every mechanism off)"),
    "gap": C("", "which gap: growth_gap_points or margin_gap_points"),
    "n": C("seeds", "seeds the row is over (paired by seed)"),
    "baseline": C("points", "mean gap with every mechanism on"),
    "baseline_low": C("points", "lower 95% bound of the baseline gap"),
    "baseline_high": C("points", "upper 95% bound of the baseline gap"),
    "variant_gap": C("points", "mean gap with the mechanism off"),
    "change": C("points", "Δ = baseline gap − gap with the mechanism off (mean over seeds)"),
    "change_low": C("points", "lower 95% bound of Δ"),
    "change_high": C("points", "upper 95% bound of Δ"),
    "share": C("fraction of the baseline gap", "Δ ÷ baseline gap (NaN when the baseline is "
                                                "0); read only where the gap's CI excludes 0"),
}
SENSITIVITY_OUTPUTS = {"growth_gap_points": COMPARISON["growth_gap_points"],
                       "margin_gap_points": COMPARISON["margin_gap_points"]}
REGIONS = {
    "output": C("", "the output analysed (growth_gap_points, margin_gap_points)"),
    "parameter": C("", "the configuration key sampled"),
    "third": C("", "which third of the parameter's range: low, middle, high"),
    "low": C("the parameter's", "lower end of the third"),
    "high": C("the parameter's", "upper end of the third"),
    "points": C("points", "sample points in the third"),
    "reversed_share": C(FRACTION, "share of those points where the output's sign is reversed "
                                  "against the default's"),
    "mean": C("the output's", "mean output over those points"),
}
SCENARIO_RUNS = {
    "case": C("", "the case's key (a scenario or a structural check)"),
    "label": C("", "the case's label in the table"),
    "seed": SEED,
    "n_customers": C(PEOPLE, "market size"),
    "steps": C("months", "run length"),
    **COMPARISON,
    "customer_centric_final_share": C(FRACTION, "the customer-centric group's share of market "
                                                "revenue in the last month"),
    "product_centric_final_share": C(FRACTION, "the product-centric group's share of market "
                                               "revenue in the last month"),
    "nps_mean": C("score −100…+100", "NPS, mean over firms and months after the first year"),
    "wom_acquisition_share": C(FRACTION, "word of mouth's share of acquisitions after the first "
                                         "year"),
    "ad_acquisition_share": C(FRACTION, "advertising's share of acquisitions after the first "
                                        "year"),
    "seconds": SECONDS,
}
SCENARIO_SUMMARY = {
    "case": SCENARIO_RUNS["case"], "label": SCENARIO_RUNS["label"],
    "metric": C("", "the KPI (a column of the scenario runs table)"),
    "runs": C("runs", "runs of the case"),
    "defined": C("runs", "runs where the KPI is defined (finite)"),
    "mean": C("the KPI's", "mean over the runs where it is defined"),
    "low": C("the KPI's", "lower bound of the 95% Student-t interval"),
    "high": C("the KPI's", "upper bound of the 95% Student-t interval"),
    "n_customers": SCENARIO_RUNS["n_customers"], "steps": SCENARIO_RUNS["steps"],
}

CHANGES = {
    "change": C("", "the model change after which the row was measured (issues 23–24)"),
    "commit": C("", "the model's git commit when measured (+dirty: before it was committed)"),
    **{k: v for k, v in SCENARIO_SUMMARY.items() if k != "label"},
    "label": SCENARIO_RUNS["label"],
}
PRICING_RUNS = {
    **SCENARIO_RUNS,
    "case": C("", "scenario/cc=POLICY/pc=POLICY: the scenario and each group's pricing policy"),
    "label": C("", "the same as case"),
    "customer_centric_price": C("money / category-month", "mean price paid in the core category "
                                                          "over the last year, over the "
                                                          "customer-centric firms"),
    "product_centric_price": C("money / category-month", "the same over the product-centric "
                                                         "firms"),
}
PRICING_SUMMARY = {**SCENARIO_SUMMARY, "case": PRICING_RUNS["case"],
                   "label": PRICING_RUNS["label"]}

# ----------------------------------------------------------------------------------------------
# Retention (ccsim retention)

SBG_FITS = {
    "firm": TIMESERIES["firm"], "strategy": TIMESERIES["strategy"],
    "category": C("", "the category whose relationships are counted"),
    "cohort": C("", "acquisition cohort (1 = acquired in months 1–12, …) or `pooled`"),
    "first_step": C("month", "first step of the cohort's acquisitions"),
    "last_step": C("month", "last step of the cohort's acquisitions"),
    "n": C(RELS, "relationships acquired in the cohort"),
    "n_periods": C("months", "periods observed"),
    "alpha": C("dimensionless", "sBG α (NaN when the fit is degenerate)"),
    "beta": C("dimensionless", "sBG β (NaN when the fit is degenerate)"),
    "log_likelihood": C("nats", "log-likelihood of the fit"),
    "mean_churn": C(f"{FRACTION} {PER_STEP}", "mean churn probability α ÷ (α + β)"),
    "retention_t1": C(FRACTION, "r(1): the sBG retention rate of the first month, r(t) = "
                                "S(t) ÷ S(t−1) = (β + t − 1) ÷ (α + β + t − 1)"),
    "retention_t12": C(FRACTION, "r(12): the retention rate of month 12 after acquisition, "
                                 "among those alive after month 11"),
    "survival_t12": C(FRACTION, "S(12): share of the cohort still a customer 12 months after "
                                "acquisition"),
    "derl": C("months", "discounted expected residual lifetime: expected months of payments "
                        "after acquisition, discounted at the run's rate (CLV = DERL × margin "
                        "per month)"),
    "max_abs_diff": C(FRACTION, "largest |fitted − observed| survival over the observed "
                                "periods"),
    "degenerate": C("", "why α, β are not estimates (empty when they are)"),
}
COHORT_SURVIVAL = {
    "firm": TIMESERIES["firm"], "cohort": SBG_FITS["cohort"],
    "t": C("months", "months since acquisition"),
    "alive": C(RELS, "relationships of the cohort still active after t months"),
    "observed": C(FRACTION, "observed survival: alive ÷ acquired"),
    "fitted": C(FRACTION, "sBG survival S(t) of the cohort's fit"),
}
KAPLAN_MEIER = {
    "firm": TIMESERIES["firm"], "category": SBG_FITS["category"],
    "t": C("months", "months since acquisition"),
    "at_risk": C(RELS, "relationships observed and active just before t"),
    "events": C(RELS, "relationships that ended at t"),
    "survival": C(FRACTION, "Kaplan–Meier survival estimate"),
    "sbg_pooled": C(FRACTION, "survival of the firm's pooled sBG fit at t"),
}
RETENTION_NOTE = (
    "r(1), r(12) and S(12) in `ccsim retention`'s printed table are `retention_t1`, "
    "`retention_t12` and `survival_t12`: the sBG model (Fader & Hardie 2007) gives each "
    "relationship a constant monthly churn probability drawn from Beta(α, β); S(t) is the share "
    "of a cohort alive t months after acquisition and r(t) = S(t) ÷ S(t−1) the share of those "
    "alive after t − 1 months who stay through month t (it rises with t as the likelier "
    "churners leave).")

# ----------------------------------------------------------------------------------------------
# Benchmarks and experiments (CSV only)

MACHINE = {
    "machine": C("", "CPU model"), "cores": C("cores", "CPU cores of the machine"),
    "python": C("", "Python version"), "numba": C("", "Numba version"),
    "numpy": C("", "NumPy version"), "mesa": C("", "Mesa version"),
    "hydra-core": C("", "Hydra version"), "git": C("", "git commit measured"),
    "config_hash": C("", "hash of the configuration measured"),
    "date": C("UTC", "when it was measured"),
    "waited_seconds": C("s", "time waited for an idle machine first"),
    "wall_seconds": C("s", "wall time of the measurement"),
    "other_cpu_seconds": C("CPU-s", "CPU time other processes used meanwhile"),
    "other_cpu_share": C(FRACTION, "share of the CPUs other processes used meanwhile"),
}
BENCHMARK = {
    "customers": C(PEOPLE, "market size"),
    "path": C("", "fast (Numba kernels) or reference (plain Mesa, sim/reference)"),
    "threads": C("threads", "NUMBA_NUM_THREADS"),
    "generator": C("", "network generator (networkx, numba)"),
    "spells": C("true/false", "spell recording on"),
    "steps": C("months", "steps run"), "measured_steps": C("months", "steps timed (13..N)"),
    "repeats": C("repeats", "repeats (median taken)"),
    "customer_steps_per_s": C("customer-steps / s", "customers × measured steps ÷ seconds "
                                                     "(median)"),
    "seconds_per_step": C("s", "time per step (median)"),
    "kernel_seconds_per_step": C("s", "of which in the Numba kernel"),
    "python_seconds_per_step": C("s", "of which in Python"),
    "min_customer_steps_per_s": C("customer-steps / s", "slowest repeat"),
    "max_customer_steps_per_s": C("customer-steps / s", "fastest repeat"),
    "build_seconds": C("s", "model build"), "network_seconds": C("s", "network build"),
    "network_peak_mib": C("MiB", "peak memory of the network build"),
    "edges": C("edges", "edges of the network"),
    "rss_before_mib": C("MiB", "resident memory before the build"),
    "rss_base_mib": C("MiB", "resident memory of the process's base"),
    "peak_rss_mib": C("MiB", "peak resident memory while the first repeat's model ran"),
    "peak_rss_all_repeats_mib": C("MiB", "peak over all repeats"),
    "numba_threads_env": C("", "NUMBA_NUM_THREADS as set"),
    "bytes_per_customer": C("bytes / customer", "peak memory above the base, per customer"),
    "ratio_to_reference": C("×", "speed over the plain Mesa reference at the same size"),
    **MACHINE,
}
END_TO_END = {
    "what": C("", "the measurement: run (end to end) or a stage of it"),
    "cache": C("", "cold (empty Numba cache) or warm"),
    "stage": C("", "the stage timed (imports, composition, build, kernel, ...)"),
    "seconds": C("s", "time"), **MACHINE,
}

# ----------------------------------------------------------------------------------------------
# Experiments' tables (scripts under experiments/, CSV only; committed under results/)

CUSTOMER_VALUE = {
    "firm": TIMESERIES["firm"],
    "monthly_retention": C(FRACTION, "the monthly retention r the firm's customer equity used "
                                     "(mean of the last 12 months), recovered from its equity"),
    "annual_retention": C(FRACTION, "r¹²"),
    "retention": C("% per 1 %", "% change of customer equity per 1 % better annual retention"),
    "margin": C("% per 1 %", "% change of customer equity per 1 % better margin"),
    "acquisition_cost": C("% per 1 %", "% change of customer equity per 1 % lower acquisition "
                                       "cost (0 by construction: current customers only)"),
    "gupta_retention": C("% per 1 %", "published value (Gupta, Lehmann & Stuart 2004): 5"),
    "gupta_margin": C("% per 1 %", "published value: 1"),
    "gupta_acquisition_cost": C("% per 1 %", "published value: 0.1"),
    "scenario": C("", "the scenario preset"),
    "seed": SEED,
}
SEARCH_POINTS = {
    "point": C("", "index of the point tried"),
    "score": C("loss", "the point's total loss (lower is better)"),
    "n_customers": C(PEOPLE, "market size of each run"),
    "seeds": C("seeds", "seeds per point"),
    "budget": C("", "how the changed firm's budget moved (baseline path or its rule)"),
    "seconds": SECONDS,
    "git_commit": C("", "git commit that measured the point"),
}
SEARCH_PATTERNS = (
    (r"(\w+):(ad_short|ad_long)", C("dimensionless", "{0}: advertising elasticity of unit "
                                                     "sales, {1} (mean over firms)")),
    (r"(\w+):price_choice", C("dimensionless", "{0}: price elasticity of the firm's share of "
                                               "choices (mean over firms)")),
    (r"(\w+):nps", C("score −100…+100", "{0}: NPS, mean over firms, years 2–10")),
    (r"(\w+):nps_(lo|hi)", C("score −100…+100", "{0}: {1} end of the NPS interval")),
    (r"loss:(\w+):(\w+)", C("loss", "{0}: the objective's term `{1}` (0 inside the target)")),
)
BASS = {
    "section": C("", "pair (the docking against the Bass curve) or network (clustering)"),
    "label": C("", "the row's case"),
    "p": C(f"probability {PER_STEP}", "Bass innovation coefficient"),
    "q": C(f"probability {PER_STEP}", "Bass imitation coefficient"),
    "n_customers": C(PEOPLE, "market size"), "seeds": C("seeds", "seeds averaged"),
    "periods": C("Bass periods", "periods simulated"),
    "substeps": C("steps / period", "model steps per Bass period"),
    "max_dev_sim1_vs_map": C(FRACTION, "largest gap between the simulated adoption (1 step per "
                                       "period) and the discrete Bass map"),
    "max_dev_sim_substeps_vs_closed_form": C(FRACTION, "largest gap between the simulated "
                                                       "adoption with substeps and the closed "
                                                       "form F(t)"),
    "max_drift_map_vs_closed_form": C(FRACTION, "largest gap between the discrete map and the "
                                                "closed form"),
    "max_drift_map_substeps_vs_closed_form": C(FRACTION, "the same with substeps"),
    "network": C("", "network kind"), "rewire_prob": C("probability", "small-world rewiring"),
    "mean_degree": C("contacts", "mean degree"),
    "clustering": C("index 0–1", "average clustering coefficient (networkx)"),
    "t50": C("Bass periods", "time to 50 % adoption, mean over seeds"),
    "t50_sd": C("Bass periods", "its standard deviation over seeds"),
    "t50_map": C("Bass periods", "time to 50 % of the discrete map"),
    "t50_closed_form": C("Bass periods", "time to 50 % of the closed form"),
    "final_adoption": C(FRACTION, "adoption at the last period"),
}
NETWORKS = {
    "customers": C("nodes", "network size"), "generator": BENCHMARK["generator"],
    "repeats": BENCHMARK["repeats"], "seconds": C("s", "build time (median)"),
    "min_seconds": C("s", "fastest build"), "peak_mib": C("MiB", "peak memory of the build"),
    "edges": C("edges", "edges built"), "bytes_per_node": C("bytes / node", "peak ÷ nodes"),
    "threads": BENCHMARK["threads"], "other_cpu_share": MACHINE["other_cpu_share"],
    "machine": MACHINE["machine"], "python": MACHINE["python"], "date": MACHINE["date"],
}
STAGE_PROFILE = {
    "part": C("", "kernel or python"), "stage": C("", "the stage removed or timed"),
    "ms_per_step": C("ms", "time of the stage per step (median of the rounds)"),
    "share_of_kernel": C(FRACTION, "its share of the kernel's time"),
    "customers": C(PEOPLE, "market size"), "repeats": BENCHMARK["repeats"],
    "threads": BENCHMARK["threads"],
    "per_customer": C("events / customer", "the stage's work per customer and step"),
    "ns_per_customer": C("ns", "time per customer and step"),
}
SWEEP_BENCH = {
    "workers": C("processes", "joblib workers"), "jobs": C("jobs", "jobs of the sweep"),
    "customers": C(PEOPLE, "market size of each job"), "steps": C("months", "steps of each job"),
    "wall_seconds": C("s", "the whole command"),
    "mean_job_seconds": C("s", "mean simulation time per job"),
    "sweep_cpu_seconds": C("CPU-s", "CPU time of the sweep's processes"),
    "other_cpu_seconds": MACHINE["other_cpu_seconds"],
    "speedup": C("×", "T1 ÷ TN"), "efficiency": C(FRACTION, "T1 ÷ (N · TN) (the old "
                                                            "definition; see sweep_efficiency)"),
    "cores": MACHINE["cores"], "machine": MACHINE["machine"], "date": MACHINE["date"],
}
SWEEP_EFFICIENCY = {
    "date": MACHINE["date"],
    "path": C("", "experiment (ccsim experiment's launcher, seeds chunked per Hydra job) or run "
                  "(ccsim run -m)"),
    "runs": C("runs", "runs of the sweep"), "customers": C(PEOPLE, "market size of each run"),
    "months": C("months", "steps of each run"), "workers": SWEEP_BENCH["workers"],
    "chunk": C("runs", "seeds per Hydra job (1 on the run path)"),
    "wall_seconds": C("s", "the whole sweep, from the command to its last run"),
    "model_seconds": C("s", "Σ of the runs' model time (summary.json runtime.seconds: building "
                            "the model and every step)"),
    "efficiency": C(FRACTION, "model_seconds ÷ (wall_seconds × workers)"),
    "mean_model_seconds": C("s", "model time per run"),
    "load_before": C("load", "1-minute load average before the sweep"),
    "load_after": C("load", "1-minute load average after it"),
    "other_cpu_seconds": MACHINE["other_cpu_seconds"],
    "sweep_cpu_seconds": SWEEP_BENCH["sweep_cpu_seconds"],
    "cores": MACHINE["cores"], "machine": C("", "architecture and Python version"),
    "git": MACHINE["git"],
}


TABLES: list[Table] = [
    Table("timeseries", ("timeseries.parquet",), "`ccsim run` (run folder)",
          "firm per step", TIMESERIES, LEVER_PATTERNS),
    Table("spells", ("spells.parquet",), "`ccsim run` (run folder; `output.spells=true`)",
          "customer–firm relationship in one category", SPELLS),
    Table("network_sample", ("network_sample.parquet",), "`ccsim run` (run folder; the "
          "dashboard's replay)", "sampled customer (300 at most)", NETWORK_SAMPLE),
    Table("runs", ("runs.parquet",), "`ccsim collect SWEEP` (sweep folder)", "job of the sweep",
          {"run_id": RUN_ID, "seed": SEED,
           "status": C("", "ok, failed, incomplete or unreadable"),
           "error": C("", "why the job has no result (empty when ok)"), **COMPARISON},
          config_keys=True),
    Table("firm_kpis", ("firm_kpis.parquet",), "`ccsim collect SWEEP` (sweep folder)",
          "complete job × firm", {"run_id": RUN_ID, "seed": SEED, **FIRM_KPIS},
          config_keys=True),
    Table("sweep_timeseries", ("timeseries.parquet",), "`ccsim collect SWEEP` (sweep folder)",
          "complete job × step × firm", {"run_id": RUN_ID, "seed": SEED},
          config_keys=True, inherits=("timeseries",), explicit=True),
    Table("headline", ("headline.parquet", "headline.csv"), "`ccsim collect SWEEP` (sweep "
          "folder)", "setting (every swept key but the seed)",
          {"runs": C("runs", "runs of the setting"), "seeds": C("", "the seeds, as a list"),
           "two_to_one": C("", "the essays' 2:1 test: holds (lower CI bound of growth_ratio "
                               "≥ 2), fails (upper bound < 2), inconclusive, not applicable"),
           "two_to_one_reason": C("", "why")},
          patterns=((rf"({KPI_NAMES})_mean", C("the KPI's", "mean of `{0}` over the seeds")),
                    (rf"({KPI_NAMES})_ci_low", C("the KPI's", "lower bound of the 95% "
                                                              "Student-t interval of `{0}`")),
                    (rf"({KPI_NAMES})_ci_high", C("the KPI's", "upper bound of the 95% "
                                                               "Student-t interval of `{0}`")),
                    (rf"({KPI_NAMES})_n", C("runs", "runs where `{0}` is defined")),
                    (rf"({KPI_NAMES})_note", C("", "why `{0}` is undefined in some runs "
                                                   "(empty if never)"))),
          config_keys=True,
          note="Units of each KPI as in the `runs` table (`sim.metrics.HEADLINE_UNITS`)."),
    Table("sbg_fits", ("sbg_fits.parquet", "sbg_fits.csv"), "`ccsim retention RUN` "
          "(RUN/retention/)", "firm × acquisition cohort (and pooled)", SBG_FITS,
          note=RETENTION_NOTE),
    Table("cohort_survival", ("cohort_survival.parquet",), "`ccsim retention RUN`",
          "firm × cohort × month since acquisition", COHORT_SURVIVAL),
    Table("kaplan_meier", ("kaplan_meier.parquet",), "`ccsim retention RUN`",
          "firm × month since acquisition", KAPLAN_MEIER),
    Table("elasticity_runs", ("runs.parquet", "runs.csv"), "`ccsim elasticities`",
          "seed × firm × lever × quantity × window", ELASTICITY_RUNS),
    Table("elasticities", ("summary.parquet", "summary.csv"), "`ccsim elasticities`",
          "lever × quantity × window × firm (and the mean over firms)", ELASTICITY_SUMMARY),
    Table("decompose_runs", ("runs.parquet", "runs.csv"), "`ccsim decompose`",
          "variant × seed", {"variant": DECOMPOSE_SUMMARY["variant"], "seed": SEED,
                             **COMPARISON, "seconds": SECONDS}),
    Table("decompose", ("summary.parquet", "summary.csv"), "`ccsim decompose`",
          "variant × gap", DECOMPOSE_SUMMARY),
    Table("sensitivity_samples", ("samples.parquet",), "`ccsim sensitivity`",
          "sample point (parameter values)",
          {"sample": C("", "sample point index"), **SENSITIVITY_OUTPUTS,
           "n_ok": C("runs", "seeds whose run finished at the point")}, config_keys=True),
    Table("sensitivity_runs", ("runs.parquet",), "`ccsim sensitivity`", "sample point × seed",
          {"sample": C("", "sample point index"), "seed": SEED, **COMPARISON,
           "seconds": SECONDS}),
    Table("sensitivity_indices", ("indices.csv",), "`ccsim sensitivity`",
          "output × parameter",
          {"output": REGIONS["output"], "parameter": REGIONS["parameter"],
           "mu": C("the output's", "Morris mean elementary effect"),
           "mu_star": C("the output's", "Morris mean absolute elementary effect μ*"),
           "mu_star_conf": C("the output's", "95% bootstrap half-width of μ*"),
           "sigma": C("the output's", "Morris standard deviation of the elementary effects"),
           "S1": C(FRACTION, "Sobol first-order index"),
           "S1_conf": C(FRACTION, "95% half-width of S1"),
           "ST": C(FRACTION, "Sobol total index"), "ST_conf": C(FRACTION, "95% half-width of "
                                                                          "ST")}),
    Table("sensitivity_regions", ("regions.csv",), "`ccsim sensitivity`",
          "output × parameter × third of its range", REGIONS),
    Table("scenario_runs", ("runs.csv",), "`python experiments/scenarios/run.py` "
          "(results/scenarios/)", "case × seed", SCENARIO_RUNS),
    Table("scenario_summary", ("summary.csv",), "`python experiments/scenarios/run.py`",
          "case × KPI", SCENARIO_SUMMARY),
    Table("economics_changes", ("changes.csv",), "`python experiments/economics/run.py` "
          "(results/economics/)", "model change × KPI", CHANGES),
    Table("pricing_runs", ("runs.csv",), "`python experiments/pricing/run.py` "
          "(results/pricing/)", "scenario × pricing policies × seed", PRICING_RUNS),
    Table("pricing_summary", ("summary.csv",), "`python experiments/pricing/run.py`",
          "scenario × pricing policies × KPI", PRICING_SUMMARY),
    Table("benchmark", ("benchmark.csv",), "`ccsim bench` (results/benchmark/)",
          "size × path × threads × spells setting", BENCHMARK),
    Table("end_to_end", ("end_to_end.csv",), "`ccsim bench`", "measurement of `ccsim run`",
          END_TO_END),
    Table("customer_value", ("customer_value.csv",), "`python "
          "experiments/calibration/customer_value.py` (results/calibration/)",
          "scenario × seed × firm", CUSTOMER_VALUE),
    Table("calibration_search", ("points*.csv", "nps_points*.csv"), "the calibration searches "
          "(`experiments/calibration/search.py`, `nps.py`; results/calibration/search/)",
          "point of the search", SEARCH_POINTS, SEARCH_PATTERNS, config_keys=True),
    Table("bass_docking", ("summary.csv",), "`python experiments/bass_docking/run.py` "
          "(results/bass_docking/)", "docking case (p, q) or network case", BASS),
    Table("network_bench", ("networks.csv",), "`python experiments/benchmark/networks.py` "
          "(results/benchmark/)", "size × generator", NETWORKS),
    Table("stage_profile", ("stage_profile.csv",), "`python "
          "experiments/benchmark/stage_profile.py` (results/benchmark/)", "part × stage",
          STAGE_PROFILE),
    Table("sweep_bench", ("benchmark.csv",), "`make bench-sweep` before issue 27 "
          "(results/benchmark_sweep/)", "sweep timed (jobs × workers)", SWEEP_BENCH),
    Table("sweep_efficiency", ("efficiency.csv",), "`make bench-sweep` "
          "(`experiments/benchmark_sweep/run.py`; results/benchmark_sweep/)",
          "sweep measured", SWEEP_EFFICIENCY),
]
