"""Customer knowledge as an estimate: fixed counter-based errors that shrink with knowledge."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import rng
from sim.kernels import stages

K1, K2 = rng.step_key(7, 0, "need_estimate_u1"), rng.step_key(7, 0, "need_estimate_u2")
KEYS = np.array([K1, K2], dtype=np.uint64)


def _needs(values):
    return np.array([values], dtype=np.float32)  # one customer, categories × dims


def test_estimate_error_shrinks_with_knowledge():
    assert stages.estimate_sd(0.5, 0.0) == 0.5
    assert stages.estimate_sd(0.5, 0.6) == pytest.approx(0.2)
    assert stages.estimate_sd(0.5, 1.0) == 0.0


def test_estimate_is_the_need_plus_a_fixed_counter_based_error():
    needs = _needs([[1.0, -2.0], [0.5, 0.25]])  # 2 categories × 2 dims
    for c in range(2):
        for d in range(2):
            z = rng.normal(K1, K2, 0, c * 2 + d)  # slot c·D + d
            est = stages.need_estimate(needs, 0, c, d, 0.3, KEYS[0], KEYS[1])
            assert est == float(needs[0, c, d]) + 0.3 * z
            # fixed: the same estimate however often it is asked for
            assert est == stages.need_estimate(needs, 0, c, d, 0.3, KEYS[0], KEYS[1])
    assert stages.need_estimate(needs, 0, 1, 1, 0.0, KEYS[0], KEYS[1]) == 0.25


def test_personalisation_aims_at_the_estimate():
    # need 1, offer at 0, P·k = 0.5·1 → sd = 0.4·(1 − 1) = 0: the offer moves halfway to the need
    needs = _needs([[1.0]])
    pos = np.zeros((1, 1, 1))
    assert stages.personalised_fit(needs, 0, 0, pos, 0, 0.5, 1.0, 1.0, 0.4, KEYS[0], KEYS[1]) \
        == pytest.approx(math.exp(-0.5 * 0.25))
    # k = 0.5, P = 1: sd = 0.4·0.5 = 0.2; the offer moves halfway to the *estimate* 1 + 0.2·z:
    # distance to the need = 1 − 0.5·(1 + 0.2·z) = 0.5 − 0.1·z
    z = rng.normal(K1, K2, 0, 0)
    expected = math.exp(-0.5 * (0.5 - 0.1 * z) ** 2)
    assert stages.personalised_fit(needs, 0, 0, pos, 0, 1.0, 0.5, 1.0, 0.4, KEYS[0], KEYS[1]) \
        == pytest.approx(expected, rel=1e-12)
    # no personalisation: the offer stays where it is, error or not
    assert stages.personalised_fit(needs, 0, 0, pos, 0, 0.0, 0.5, 1.0, 0.4, KEYS[0], KEYS[1]) \
        == pytest.approx(math.exp(-0.5))


def test_estimate_accuracy_aims_cross_selling():
    needs = _needs([[1.0, 2.0]])
    assert stages.estimate_accuracy(needs, 0, 0, 1.0, 1.0, 0.5, KEYS[0], KEYS[1]) == 1.0
    z0, z1 = rng.normal(K1, K2, 0, 0), rng.normal(K1, K2, 0, 1)
    sd = 0.5 * (1 - 0.2)
    expected = math.exp(-0.5 * ((sd * z0) ** 2 + (sd * z1) ** 2))
    assert stages.estimate_accuracy(needs, 0, 0, 0.2, 1.0, 0.5, KEYS[0], KEYS[1]) \
        == pytest.approx(expected, rel=1e-12)
