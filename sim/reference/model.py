"""The reference market: :class:`sim.model.MarketModel` with one Mesa agent per customer.

Everything but the customer journey is shared with the fast path: the configuration, the
population and network, the firm agents (planning, accounting, adaptation) and the data
collection. Only :meth:`ReferenceMarketModel.run_journey` differs: instead of one Numba pass
over arrays, every :class:`~sim.reference.agents.Customer` takes its own ``step()``.

Use it to read the model, to teach it, and as an oracle for the kernels on small markets
(``tests/validation/test_reference_docking.py``): same configuration and seed, same results.
"""

from __future__ import annotations

import numpy as np

from ..config import Config
from ..kernels.layout import BLOCK
from ..model import MarketModel
from .agents import Customer, Heard, pack_voice
from .market import (
    Behaviour,
    CategoryTerms,
    Offer,
    StepDraws,
    Tally,
    merge_tallies,
    offers_from_arrays,
)
from .study import StudyTreatment


class ReferenceMarketModel(MarketModel):
    """The market of :class:`~sim.model.MarketModel`, customers as plain Mesa agents.

    Attributes:
        customers: every customer, in the order of the population arrays.
        behaviour: the behaviour parameters by name.
        category_terms: per category, its reference price and shopping chances.
        fully_mixed: True if customers hear the whole market rather than their neighbours.
        offers, draws, tally, market_voice: what customers see and where they count what they
            did, for the step being run (set by :meth:`run_journey`).
    """

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.behaviour = Behaviour.from_vector(self.prm)
        self.category_terms = [CategoryTerms(*terms) for terms in zip(
            self.ref_price.tolist(), self.occasion_prob.tolist(), self.renewal_prob.tolist(),
            strict=True)]
        self.fully_mixed = bool(self.network.fully_mixed)
        #: each firm's (key1, key2) of its need-estimate errors, as Python ints
        self.estimate_key_pairs = [tuple(int(k) for k in pair) for pair in self.est_keys]
        self.customers = [Customer(self, i) for i in range(self.n_customers)]
        if not self.fully_mixed:
            for customer in self.customers:
                customer.neighbours = [self.customers[j]
                                       for j in self.network.neighbours(customer.index).tolist()]
        self.offers: list[Offer] = []
        self.draws: StepDraws | None = None
        self.tally: Tally | None = None
        self.market_voice: Heard | None = None
        self.study: StudyTreatment | None = None

    def run_journey(self, t: int) -> tuple[np.ndarray, ...]:
        """Stages 2–6: every customer takes a step; returns the per-firm tallies.

        Returns the same (int tallies, float tallies, need sums, category tallies, surplus) as
        the fast path's
        ``run_journey``, so ``MarketModel._account`` books them unchanged, and writes the
        customers' state back into ``self.state`` for spells and for inspection.
        """
        n_firms, dims = len(self.firms), self.traits.needs.shape[2]
        self.offers = offers_from_arrays(self._offer_arrays())
        self.draws = StepDraws(self.seed, t)
        if self.fully_mixed:  # last step's market-wide shares of promoters, detractors, buyers
            self.market_voice = Heard(self.global_pos.tolist(), self.global_neg.tolist(),
                                      self.global_soc.tolist())
        # Customers are independent within a step (counter-based draws, last month's voices),
        # so any visiting order gives the same market. Index order, in blocks of the kernel's
        # size, only makes the float sums add up in the same order, hence to the same bits.
        # a field study (ODD §7.19): its customers' counts also go to their stratum's tallies
        study = self.study = StudyTreatment(self)
        blocks = []
        for start in range(0, self.n_customers, BLOCK):
            self.tally = Tally(n_firms, self.n_categories, dims)
            for customer in self.customers[start:start + BLOCK]:
                if study.stratum(customer.index) > 0:
                    study.step_customer(customer)
                else:
                    customer.step()
            blocks.append(self.tally)
        for customer in self.customers:
            customer.commit_voice()
        self._write_state()
        if study.studying:
            counts, market = study.tallies()
            self.study_rows.append((t, np.array(counts, dtype=np.int64),
                                    np.array(market, dtype=np.int64)))
        return merge_tallies(blocks)

    def _write_state(self) -> None:
        """Copy the customers' state into ``self.state`` (the fast path's arrays).

        ``MarketModel`` reads ``state`` for spells (``_record_spells``, ``spells_table``); keeping
        it in sync also lets tests compare both paths' customers array by array.
        """
        s, cs = self.state, self.customers
        s.aware[:] = [c.aware for c in cs]
        s.exposures[:] = [c.exposures for c in cs]
        s.belief[:] = [c.belief for c in cs]
        s.knowledge[:] = [c.knowledge for c in cs]
        s.firm_of[:] = [c.firm_of for c in cs]
        s.tenure[:] = [c.tenure for c in cs]
        s.satisfaction[:] = [c.satisfaction for c in cs]
        s.ended[:] = [c.ended for c in cs]
        s.spend[:] = [c.spend for c in cs]
        # the fast path double-buffers voices: write the new half, then flip
        s.voice[1 - self.voice_index] = [pack_voice(c.voice) for c in cs]
        self.voice_index = 1 - self.voice_index
