"""Property tests: the whole-model invariants hold on random valid configurations.

Hypothesis draws a command line (as a user would type it: Hydra overrides) covering market
size and length, every network kind (homophily where it is allowed), need heterogeneity,
advertising response and fatigue, word-of-mouth strength, churn, every scenario, and per-firm
strategies (presets, a mix, custom shares summing to one), markups and objectives, and the other
firms presets. Each example
is loaded through ``load_config`` (so it must be valid) and checked with the same invariants as
``test_invariants.py``.
"""

from __future__ import annotations

from types import SimpleNamespace

import invariants as inv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.configure import load_config
from sim.runner import simulate
from sim.strategies import LEVERS

FIRMS = ("pc_a", "pc_b", "cc_a", "cc_b")  # firms=two_vs_two
SCENARIOS = ("experience_economy", "product_aware_economy", "subscription")
NETWORKS = ("fully_mixed", "scale_free", "random", "small_world")

money = st.floats(min_value=-0.5, max_value=2.0, allow_nan=False).map(lambda x: round(x, 3))
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def custom_shares(draw) -> str:
    """Hydra dict literal of budget shares over 1–4 levers that sum to one."""
    levers = draw(st.lists(st.sampled_from(LEVERS), min_size=1, max_size=4, unique=True))
    weights = draw(st.lists(st.integers(1, 20), min_size=len(levers), max_size=len(levers)))
    total = sum(weights)
    body = ",".join(f"{lever}:{w / total!r}" for lever, w in zip(levers, weights, strict=False))
    return "{" + body + "}"


@st.composite
def firm_overrides(draw, name: str) -> list[str]:
    kind = draw(st.sampled_from(("product_centric", "customer_centric", "mix", "custom")))
    out = [f"firms.{name}.strategy={kind}", f"firms.{name}.markup={draw(money)}"]
    if kind == "mix":
        out.append(f"firms.{name}.mix={draw(unit)}")
    if kind == "custom":
        out.append(f"+firms.{name}.shares={draw(custom_shares())}")
    objective = draw(st.sampled_from(("fixed", "fixed", "revenue", "clv")))
    if objective != "fixed":
        out += [f"firms.{name}.objective={objective}",
                f"firms.{name}.review_every={draw(st.integers(1, 4))}"]
    return out


@st.composite
def command_lines(draw) -> list[str]:
    n = draw(st.integers(300, 600))
    kind = draw(st.sampled_from(NETWORKS))
    out = [
        "market=small",
        f"scenario={draw(st.sampled_from(SCENARIOS))}",
        f"seed={draw(st.integers(0, 2**31))}",
        f"market.n_customers={n}",
        f"market.steps={draw(st.integers(6, 14))}",
        f"market.network.kind={kind}",
        f"market.network.mean_degree={draw(st.integers(2, 12))}",
        f"market.customers.need_heterogeneity={draw(st.sampled_from((0.0, 0.3, 0.8, 2.0)))}",
        f"market.customers.n_personas={draw(st.integers(1, 6))}",
        f"market.awareness.ad_response={draw(unit)}",
        f"market.awareness.ad_fatigue={draw(unit)}",
        f"market.awareness.wom_strength={draw(st.sampled_from((0.0, 0.3, 1.0, 3.0)))}",
        f"market.churn.base={draw(st.sampled_from((0.0, 0.01, 0.2)))}",
        f"market.economics.initial_penetration={draw(unit)}",
        f"market.economics.max_discount={draw(unit)}",
        f"market.customers.trait_sigma={draw(st.sampled_from((0.0, 0.3, 3.0)))}",
        f"market.churn.sensitivity={draw(st.sampled_from((0.0, 0.3, 5.0)))}",
        f"market.choice.outside_utility={draw(st.sampled_from((-1e9, 0.0, 3.0, 20.0)))}",
    ]
    if kind in ("small_world", "random"):
        out.append(f"market.network.homophily={draw(unit)}")
    preset = draw(st.sampled_from(("two_vs_two", "two_vs_two", "two_vs_two", "mix_ladder",
                                   "incentives", "single")))
    out.append(f"firms={preset}")
    if preset == "two_vs_two":
        for name in FIRMS:
            out += draw(firm_overrides(name))
    return out


@settings(max_examples=16, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(overrides=command_lines())
def test_invariants_hold_on_random_configurations(overrides):
    cfg = load_config(overrides)  # a drawn command line must be valid
    cfg.output.progress = False
    model = simulate(cfg, progress=False)
    run = SimpleNamespace(cfg=cfg, model=model, ts=model.timeseries(),
                          spells=model.spells_table())
    inv.check_all(run)
