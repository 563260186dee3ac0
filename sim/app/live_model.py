"""The market model the dashboard rebuilds: keyword arguments in, a validated Config inside.

Reset (Mesa's ``ModelController``) calls ``LiveModel(**model_params)``: the fixed ``base``
overrides (a lesson's configuration) plus the value of every control. :func:`dashboard_overrides`
turns those into the Hydra overrides that ``ccsim run`` would take, so a run outside the browser
with the same overrides is the same run.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ..config import Config, FirmConfig, NetworkKind
from ..configure import load_config
from ..model import MarketModel
from ..strategies import LEVERS, PRESETS

#: Customers in the dashboard's market unless a control says otherwise (5,000 steps in ~20 ms).
DEFAULT_CUSTOMERS = 5000
#: What a firm's strategy control offers: the two presets and points on the mix between them.
STRATEGY_CHOICES = ("product_centric", "mix 0.25", "mix 0.50", "mix 0.75", "customer_centric")
#: Keyword prefix of a firm's strategy control (``strategy_cc_a="mix 0.50"``).
STRATEGY_PREFIX = "strategy_"

_HYDRA = threading.Lock()  # Hydra's compose API keeps global state: one composition at a time


def load(overrides: Sequence[str]) -> Config:
    """``sim.configure.load_config`` behind a lock (Solara calls from several threads)."""
    with _HYDRA:
        return load_config(list(overrides))


def strategy_choice(firm: FirmConfig) -> str:
    """The strategy control's value that shows a firm's configured strategy."""
    if firm.strategy == "mix":
        return f"mix {firm.mix:.2f}"
    return firm.strategy


def strategy_overrides(name: str, choice: str) -> list[str]:
    """Hydra overrides that give firm ``name`` the strategy a control shows.

    Raises:
        ValueError: ``choice`` is neither a preset, ``custom`` nor ``mix X``.
    """
    if choice in PRESETS:
        return [f"firms.{name}.strategy={choice}"]
    if choice == "custom":  # the configured shares stay
        return []
    kind, _, value = choice.partition(" ")
    if kind != "mix" or not value:
        raise ValueError(f"strategy {choice!r}: choose one of {', '.join(STRATEGY_CHOICES)}")
    return [f"firms.{name}.strategy=mix", f"firms.{name}.mix={float(value)}"]


def dashboard_overrides(base: Sequence[str] = (), *, n_customers: int = DEFAULT_CUSTOMERS,
                        ad_response: float | None = None, wom_strength: float | None = None,
                        network: str | None = None, mean_degree: int | None = None,
                        need_heterogeneity: float | None = None, seed: int = 0,
                        strategies: dict[str, str] | None = None) -> list[str]:
    """The Hydra overrides of a dashboard market: ``base``, then one per control.

    Args:
        base: A lesson's overrides (``scenario=subscription``), applied first.
        n_customers: Customers in the market.
        ad_response: ``market.awareness.ad_response`` (None: keep the scenario's).
        wom_strength: ``market.awareness.wom_strength`` (None: keep).
        network: ``market.network.kind`` (None: keep).
        mean_degree: ``market.network.mean_degree`` (None: keep).
        need_heterogeneity: ``market.customers.need_heterogeneity`` (None: keep).
        seed: The run's seed.
        strategies: Firm name → strategy control value (:data:`STRATEGY_CHOICES`).
    """
    out = [*base, f"market.n_customers={int(n_customers)}", f"seed={int(seed)}"]
    for key, value in (("market.awareness.ad_response", ad_response),
                       ("market.awareness.wom_strength", wom_strength),
                       ("market.network.kind", network),
                       ("market.network.mean_degree", mean_degree),
                       ("market.customers.need_heterogeneity", need_heterogeneity)):
        if value is not None:
            out.append(f"{key}={value}")
    for name, choice in (strategies or {}).items():
        out += strategy_overrides(name, choice)
    return out


class LiveModel(MarketModel):
    """A :class:`~sim.model.MarketModel` built from keyword arguments, as Reset rebuilds it.

    ``running`` turns False after the configured number of steps (``market.steps``).
    """

    def __init__(self, base: Sequence[str] = (), n_customers: int = DEFAULT_CUSTOMERS,
                 ad_response: float | None = None, wom_strength: float | None = None,
                 network: str | None = None, mean_degree: int | None = None,
                 need_heterogeneity: float | None = None, seed: int = 0,
                 **kwargs: str) -> None:
        # firms' strategy controls come as strategy_<firm>=...; Mesa's parameter check wants
        # the catch-all named kwargs
        unknown = [k for k in kwargs if not k.startswith(STRATEGY_PREFIX)]
        if unknown:
            raise TypeError(f"LiveModel got unexpected keyword argument(s) {unknown}")
        self.overrides = dashboard_overrides(
            base, n_customers=n_customers, ad_response=ad_response, wom_strength=wom_strength,
            network=network, mean_degree=mean_degree, need_heterogeneity=need_heterogeneity,
            seed=seed, strategies={k.removeprefix(STRATEGY_PREFIX): v for k, v in kwargs.items()})
        super().__init__(load(self.overrides))
        self.running = self.steps < self.cfg.market.steps

    def step(self) -> None:
        """One month of the market; stops ``running`` at the configured last step."""
        super().step()
        self.running = self.steps < self.cfg.market.steps

    def set_mix(self, firm: int, mix: float) -> None:
        """Move a firm's budget to a point of the mix from the next step on (mid-run change).

        Args:
            firm: The firm's index.
            mix: 0 is the product-centric preset, 1 the customer-centric one.
        """
        self.set_strategy(firm, "mix", mix=float(mix))


#: What a class can change mid-run, as ``ccsim elasticities`` does: each lever's money, the list
#: price and the word-of-mouth referral hazard (``sim.interventions``).
CHANGES: tuple[str, ...] = (*LEVERS, "list price", "word of mouth")


def change_now(model: MarketModel, firm: int | str, what: str, factor: float) -> str:
    """Apply one of :data:`CHANGES` to a firm from the next step on; say what was done.

    Args:
        model: The live market.
        firm: The firm's index or name.
        what: A lever name, ``"list price"`` or ``"word of mouth"``.
        factor: Multiplier on that lever's money, the list price or the referral hazard.

    Raises:
        ValueError: Unknown firm or change, or a factor the API refuses.
    """
    if what == "list price":
        model.set_list_price_factor(firm, factor)
    elif what == "word of mouth":
        model.set_referral_factor(firm, factor)
    elif what in LEVERS:
        model.set_lever(firm, what, factor)
    else:
        raise ValueError(f"{what!r}: choose one of {', '.join(CHANGES)}")
    return f"{firm}: {what} × {factor:g} from step {model.steps + 1} on"


def model_params(base: Sequence[str] = (), n_customers: int = DEFAULT_CUSTOMERS,
                 seed: int = 0) -> dict[str, Any]:
    """The controls in Mesa's ``model_params`` form, showing the values ``base`` configures."""
    cfg = load(dashboard_overrides(base, n_customers=n_customers, seed=seed))
    m = cfg.market
    params: dict[str, Any] = {
        "base": tuple(base),
        "n_customers": {"type": "SliderInt", "value": m.n_customers, "label": "Customers",
                        "min": 500, "max": 20000, "step": 500},
        "seed": {"type": "SliderInt", "value": cfg.seed, "label": "Seed", "min": 0, "max": 99,
                 "step": 1},
        "ad_response": {"type": "SliderFloat", "value": m.awareness.ad_response,
                        "label": "Advertising response", "min": 0.0, "max": 0.3,
                        "step": 0.005},
        "wom_strength": {"type": "SliderFloat", "value": m.awareness.wom_strength,
                         "label": "Word-of-mouth strength", "min": 0.0, "max": 2.0,
                         "step": 0.05},
        "network": {"type": "Select", "value": m.network.kind.value, "label": "Network",
                    "values": [k.value for k in NetworkKind]},
        "mean_degree": {"type": "SliderInt", "value": m.network.mean_degree,
                        "label": "Network density (mean contacts)", "min": 2, "max": 40,
                        "step": 1},
        "need_heterogeneity": {"type": "SliderFloat", "value": m.customers.need_heterogeneity,
                               "label": "Need heterogeneity", "min": 0.0, "max": 3.0,
                               "step": 0.1},
    }
    for name, firm in cfg.firms.items():
        value = strategy_choice(firm)
        values = list(STRATEGY_CHOICES) + ([value] if value not in STRATEGY_CHOICES else [])
        params[STRATEGY_PREFIX + name] = {"type": "Select", "value": value,
                                          "label": f"Strategy of {name}", "values": values}
    return params


def initial_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments Reset passes before any control is moved."""
    return {k: (v["value"] if isinstance(v, dict) and "type" in v else v)
            for k, v in params.items()}
