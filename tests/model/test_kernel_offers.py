"""The offers the model hands the kernel are exactly ``pack`` of the named offer arrays.

``MarketModel._kernel_offers`` builds the grouped arrays straight from the firms (faster);
the reference implementation reads the named arrays (``_offer_arrays``). Both must carry the
very same numbers, in every scenario whose firms set other levers.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.configure import load_config
from sim.kernels.journey import pack
from sim.model import MarketModel


@pytest.mark.parametrize("preset", [[], ["scenario=exploitation"], ["firms=empowerment"],
                                    ["scenario=subscription"]])
def test_kernel_offers_equal_packed_named_arrays(preset):
    cfg = load_config(["market.n_customers=300", "market.steps=3", "seed=2", *preset])
    model = MarketModel(cfg)
    for _ in range(3):
        model.step()
        model.firms[0].interventions.referral = 1.5  # a non-default factor reaches the kernel
        fast = model._kernel_offers()
        slow = pack({**model._offer_arrays(), "global_pos": model.global_pos,
                     "global_neg": model.global_neg, "global_soc": model.global_soc,
                     "ref_price": model.ref_price, "occasion_prob": model.occasion_prob,
                     "renewal_prob": model.renewal_prob})
        assert fast.keys() == slow.keys()
        for key, want in slow.items():
            got = fast[key]
            assert got.dtype == want.dtype and got.shape == want.shape, key
            assert got.flags.c_contiguous, key
            np.testing.assert_array_equal(got, want, strict=True, err_msg=key)
