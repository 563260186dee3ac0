"""mattress_and_bedlinen: products per customer, share of wallet, cross-sell acquisitions."""

from __future__ import annotations

from sim.analysis.experiment_metrics import RunTables, group_firms, group_mean


def run_metrics(run: RunTables) -> dict[str, float]:
    """Products per customer and share of wallet per strategy group; cross-sell acquisitions.

    Last-year means per customer; relationships won by cross-selling over the run by the
    customer-centric group.
    """
    out = {}
    for label, firms in group_firms(run).items():
        prefix = "cc" if label == "customer_centric" else "pc"
        out[f"{prefix}_products_per_customer"] = group_mean(run, firms, "products_per_customer",
                                                            weight="customers")
        out[f"{prefix}_share_of_wallet"] = group_mean(run, firms, "share_of_wallet",
                                                      weight="customers")
        if prefix == "cc":
            g = run.ts[run.ts["firm"].isin(firms)]
            out["cc_cross_sell_acquisitions"] = float(g["acq_cross_sell"].sum())
    return out
