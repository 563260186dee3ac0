"""A field study in the reference market, written plainly (ODD §7.19).

The fast path's kernel takes a study as arrays (``group``, ``treatment``, ``treat_cents``) and
counts a study customer's events first into scratch tallies; this module is the same in
Python: :class:`StudyTreatment` says what is done to whom this step, and
:meth:`StudyTreatment.step_customer` runs one study customer's month with a scratch
:class:`~sim.reference.market.Tally` whose integer counts are then added to the block's, to the
customer's stratum's and to their ledger. Float sums go straight to the block's tally (the
scratch shares them), in the order the kernel adds them, so both paths keep every bit.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

from ..kernels.layout import (
    CTALLY,
    ITALLY,
    L_CONTRIBUTION,
    L_RECOVERIES,
    N_GROUPS,
    TR_FIRM,
    TR_KIND,
    TREATMENTS,
)

if TYPE_CHECKING:
    from .agents import Customer
    from .market import Tally
    from .model import ReferenceMarketModel

NONE = "none"


class StudyTreatment:
    """What a field study does this step, and where its customers' counts go.

    Attributes:
        kind: The treatment (``layout.TREATMENTS``): ``none`` in a control twin.
        firm: The firm that treats.
        cents: Its money per unit in each category (a contact's credit, a member's reward).
        strata: Per stratum, the study customers' counts per firm (``ITALLY`` names) and per
            category (``CTALLY`` names and ``chose`` per firm), summed over the step.
    """

    def __init__(self, model: ReferenceMarketModel) -> None:
        self.model = model
        self.kind = TREATMENTS[int(model.treatment[TR_KIND])]
        self.firm = int(model.treatment[TR_FIRM])
        self.cents: list[int] = model._treat_cents().tolist()
        self.studying = model.group.shape[0] > 0
        n_firms, n_cat = len(model.firms), model.n_categories
        self.strata = [SimpleNamespace(
            counts=[dict.fromkeys(ITALLY, 0) for _ in range(n_firms)],
            market=[dict.fromkeys(CTALLY, 0) for _ in range(n_cat)],
            chose=[[0] * n_firms for _ in range(n_cat)]) for _ in range(N_GROUPS)]

    def stratum(self, customer: int) -> int:
        """The customer's stratum (1, 2), 0 outside the study."""
        return int(self.model.group[customer]) if self.studying else 0

    def kind_for(self, customer: int) -> str:
        """The treatment done to this customer this step (``none`` outside the study)."""
        return self.kind if self.stratum(customer) > 0 else NONE

    def applies(self, customer: int, kind: str, firm: int) -> bool:
        """Whether ``kind`` is done to this customer this step, by ``firm``."""
        return firm == self.firm and self.kind_for(customer) == kind

    def step_customer(self, customer: Customer) -> None:
        """One study customer's month, counted into a scratch tally, then merged."""
        model = self.model
        block: Tally = model.tally
        scratch = SimpleNamespace(
            counts=[dict.fromkeys(ITALLY, 0) for _ in block.counts],
            market=[dict.fromkeys(CTALLY, 0) for _ in block.market],
            chose=[[0] * len(row) for row in block.chose],
            sums=block.sums, need_sum=block.need_sum, need_count=block.need_count,
            surplus=block.surplus)
        model.tally = scratch
        try:
            customer.step()
        finally:
            model.tally = block
        mine = scratch.counts[self.firm]
        model.ledger[customer.index, L_CONTRIBUTION] += (
            mine["revenue_cents"] - mine["cogs_cents"] - mine["service_cost_cents"]
            - mine["personalisation_cost_cents"] - mine["retention_cost_cents"]
            - mine["recovery_cost_cents"])
        model.ledger[customer.index, L_RECOVERIES] += mine["recoveries"]
        stratum = self.strata[self.stratum(customer.index) - 1]
        for f, counts in enumerate(scratch.counts):
            for name, x in counts.items():
                block.counts[f][name] += x
                stratum.counts[f][name] += x
        for c, market in enumerate(scratch.market):
            for name, x in market.items():
                block.market[c][name] += x
                stratum.market[c][name] += x
            for f, x in enumerate(scratch.chose[c]):
                block.chose[c][f] += x
                stratum.chose[c][f] += x

    def tallies(self) -> tuple[list, list]:
        """The strata's counts, shaped as the kernel's study tallies.

        Returns:
            ([stratum][firm][ITALLY], [stratum][category][CTALLY + chose per firm]).
        """
        counts = [[[c[name] for name in ITALLY] for c in s.counts] for s in self.strata]
        market = [[[m[name] for name in CTALLY] + s.chose[c] for c, m in enumerate(s.market)]
                  for s in self.strata]
        return counts, market
