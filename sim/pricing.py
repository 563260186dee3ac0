"""How a firm sets its prices: cost-plus, or a value-based, myopic estimated best response.

A pricing policy is a pure function of what the firm observes (:class:`FirmObservation`: its
own prices, sales and costs, its rivals' posted prices and, per category, the customers in the
market and those who bought nothing) and of its own random stream; it never reads customers'
utilities, needs or knowledge. So the prices of a run can be replayed from its recorded
observations without a model (``tests/model/test_pricing.py``).

- :class:`CostPlus`: list price = unit cost × (1 + markup); the price paid is the list price
  less the promotion's discount (the rule every firm followed before issue 24).
- :class:`ValueBased` (issue 24): each month the price paid is the category's base price × a
  ±``price_test`` perturbation drawn from the firm's own stream, so its last months hold the
  price variation that identifies its demand; every ``review_every`` months it fits the logit
  demand ln(s / s₀) = δ − α·p to its last ``price_window`` months (s: its share of the
  customers in the market for the category, s₀: the share who bought nothing) and sets the base
  price that solves p = c + 1 / (α̂ · (1 − ŝ(p))), ŝ(p) the share its fitted demand predicts
  at p with its rivals where they are, within [c, price_ceiling × the category's reference
  price] and at most ``price_step`` away from the base it had (ODD §7.13.1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import rng

__all__ = ["CostPlus", "FirmObservation", "ValueBased", "best_response_price", "fit_logit_demand",
           "list_price"]


@dataclass(frozen=True)
class FirmObservation:
    """What a firm sees of one month, per category (arrays of length C).

    Attributes:
        step: the month.
        price: the price it charged (paid, before any loyalty surcharge), money; < 0: not offered.
        cost: its marginal cost of a unit (production, service and personalisation delivery),
            money.
        chosen: customers in the market for the category who chose it.
        rival_prices: its rivals' posted prices paid, money (float [F − 1, C]; < 0: not offered).
        in_market: customers in the market for the category.
        no_buy: of those, the customers who bought nothing.
    """

    step: int
    price: np.ndarray
    cost: np.ndarray
    chosen: np.ndarray
    rival_prices: np.ndarray
    in_market: np.ndarray
    no_buy: np.ndarray


def list_price(unit_cost: np.ndarray, markup: float) -> np.ndarray:
    """Cost-plus list price: the whole unit cost, delivery included, times (1 + markup)."""
    return unit_cost * (1.0 + markup)


class CostPlus:
    """List price = unit cost × (1 + markup); the discount comes off it (the paid price)."""

    name = "cost_plus"

    def __init__(self, markup: float) -> None:
        self.markup = markup

    def list_price(self, cost: np.ndarray) -> np.ndarray:
        """The list price per category, money."""
        return list_price(cost, self.markup)


def fit_logit_demand(prices: np.ndarray, chosen: np.ndarray,
                     no_buy: np.ndarray) -> tuple[float, float] | None:
    """Least-squares fit of ln(chosen / no_buy) = δ − α·p over months; (δ̂, α̂) or None.

    Months in which the firm sold nothing or everybody bought are left out (the log is not
    defined); None when fewer than three months remain or the prices did not vary.
    """
    ok = (chosen > 0) & (no_buy > 0) & (prices >= 0)
    if ok.sum() < 3:
        return None
    p = prices[ok]
    y = np.log(chosen[ok] / no_buy[ok])
    dp = p - p.mean()
    var = float(dp @ dp)
    if var <= 0.0:
        return None
    slope = float(dp @ (y - y.mean())) / var
    return float(y.mean() - slope * p.mean()), -slope


def best_response_price(delta: float, alpha: float, rivals: float, cost: float,
                        ceiling: float) -> float:
    """The p in [cost, ceiling] that solves p = c + 1 / (α · (1 − ŝ(p))), by bisection.

    ŝ(p) = x / (1 + R + x), x = exp(δ − α·p): the logit share the fitted demand predicts at p
    with the rivals' attraction R (relative to buying nothing) held where it is. The left side
    minus the right rises with p, so the root is unique; at the ceiling if it lies beyond.
    """
    def excess(p: float) -> float:
        z = delta - alpha * p
        share = 1.0 / (1.0 + (1.0 + rivals) * math.exp(-z)) if z > -700.0 else 0.0
        return p - cost - 1.0 / (alpha * (1.0 - share))

    lo, hi = cost, ceiling
    if excess(hi) <= 0.0:
        return hi
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if excess(mid) > 0.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


class ValueBased:
    """A myopic estimated best response to the firm's own fitted logit demand, per category.

    Args:
        seed: the run's seed (the perturbations are drawn from the firm's own stream).
        firm: the firm's index.
        markup: sets the starting base price, the cost-plus price at the start.
        review_every: months between two resets of the base price.
        test: the perturbation, a share of the base price (±).
        window: the months of observations a review fits.
        ceilings: the highest base price per category, money (never below the marginal cost:
            a ceiling under the cost leaves the price at the cost).
        step: the largest change of a base price at one review, a share of it (a firm moves
            its prices by at most this much a review, whatever its estimate says).
    """

    name = "value_based"

    def __init__(self, seed: int, firm: int, markup: float, review_every: int, test: float,
                 window: int, ceilings: np.ndarray, step: float = 0.2) -> None:
        self.seed, self.firm, self.markup = int(seed), int(firm), markup
        self.review_every, self.test, self.window, self.step = review_every, test, window, step
        self.ceilings = np.asarray(ceilings, dtype=float)
        self.base: np.ndarray | None = None
        self.history: list[FirmObservation] = []
        self.frozen = False

    def perturbation(self, step: int, n_categories: int) -> np.ndarray:
        """This month's factor on the base price per category: 1 ± ``test``, a coin per category."""
        key = rng.step_key(self.seed, step, f"price_test/{self.firm}")
        return np.array([1.0 + self.test if rng.uniform(key, c) < 0.5 else 1.0 - self.test
                         for c in range(n_categories)])

    def price(self, step: int, cost: np.ndarray) -> np.ndarray:
        """The price paid this month per category (money): base × perturbation.

        The base starts at the first month's cost-plus price; the plan a firm makes before the
        first month (step 0) is the cost-plus price itself and sets nothing, so a run's prices
        follow from its observations of months 1, 2, … alone.
        """
        if self.base is None:
            if step < 1:
                return list_price(cost, self.markup)
            self.base = list_price(cost, self.markup)
        return self.base * self.perturbation(step, len(cost))

    def observe(self, obs: FirmObservation) -> None:
        """Remember a month's observation (only the last ``window`` are ever read)."""
        self.history.append(obs)
        if len(self.history) > self.window:
            self.history.pop(0)

    def review(self, step: int) -> None:
        """At a review month, move each category's base price to its estimated best response.

        The move is at most ``step`` of the base either way, and the base stays within [cost,
        ceiling]. A category in which the firm sold to nobody in the market in the whole window
        lowers its base by ``step`` (demand at that price is nil: any best response is lower);
        one whose fit fails otherwise (too few months with sales, prices that did not vary, or
        demand that does not fall with price) keeps its base; a frozen policy changes nothing.
        """
        if self.frozen or step % self.review_every != 0 or not self.history or self.base is None:
            return
        h = self.history
        for c in range(len(self.base)):
            prices = np.array([o.price[c] for o in h])
            if prices[-1] < 0:  # not offered
                continue
            chosen = np.array([o.chosen[c] for o in h], dtype=float)
            no_buy = np.array([o.no_buy[c] for o in h], dtype=float)
            cost = float(h[-1].cost[c])
            lo, hi = self.base[c] * (1.0 - self.step), self.base[c] * (1.0 + self.step)
            fit = fit_logit_demand(prices, chosen, no_buy)
            if fit is None:
                if chosen.sum() == 0:
                    self.base[c] = max(cost, lo)
                continue
            delta, alpha = fit
            if not alpha > 0.0:
                continue
            inside = np.array([o.in_market[c] for o in h], dtype=float)
            ok = no_buy > 0
            rivals = float(np.mean((inside[ok] - no_buy[ok] - chosen[ok]) / no_buy[ok]))
            target = best_response_price(delta, alpha, max(rivals, 0.0), cost,
                                         max(cost, float(self.ceilings[c])))
            self.base[c] = max(cost, min(hi, max(lo, target)))
