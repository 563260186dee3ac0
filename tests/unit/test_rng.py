"""Unit tests of ``sim.rng``: counter-based draws keyed by (seed, step, purpose, customer, slot).

Checks the SplitMix64 finaliser against the published reference outputs, that the Numba and
plain-Python twins give the same bits, the range and moments of the uniforms and normals, that
every part of the key changes the stream, and that stream salts do not depend on Python's salted
``hash()``.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from numba import njit, uint64

from sim import rng
from sim.rng import (
    GOLDEN,
    MASK64,
    PURPOSES,
    SLOTS,
    derived_seed,
    mix64,
    mix64_nb,
    normal,
    normal_nb,
    step_key,
    step_keys,
    stream_salt,
    uniform,
    uniform_nb,
)


@njit(cache=False)
def _uniforms_nb(key, n_customers, slot):
    out = np.empty(n_customers)
    for i in range(n_customers):
        out[i] = uniform_nb(key, i, slot)
    return out


@njit(cache=False)
def _normals_nb(key1, key2, n_customers):
    out = np.empty(n_customers)
    for i in range(n_customers):
        out[i] = normal_nb(key1, key2, i, 0)
    return out


def test_mix64_matches_splitmix64_reference():
    # SplitMix64 seeded with 0 (Steele, Lea & Flood 2014; Vigna's splitmix64.c) returns
    # mix(1·γ), mix(2·γ), mix(3·γ): 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F
    assert mix64(GOLDEN) == 0xE220A8397B1DCDAF
    assert mix64((2 * GOLDEN) & MASK64) == 0x6E789E6AA1B965F4
    assert mix64((3 * GOLDEN) & MASK64) == 0x06C45D188009454F


def test_numba_and_python_twins_give_identical_bits():
    gen = np.random.default_rng(12345)
    for _ in range(300):
        z = int(gen.integers(0, 2**63)) * 2 + int(gen.integers(0, 2))  # full 64-bit range
        assert int(mix64_nb(np.uint64(z))) == mix64(z)
        key = step_key(int(gen.integers(0, 2**62)), int(gen.integers(0, 10_000)),
                       PURPOSES[int(gen.integers(0, len(PURPOSES)))])
        customer = int(gen.integers(0, 50_000_000))
        slot = int(gen.integers(0, SLOTS))
        assert uniform_nb(np.uint64(key), customer, slot) == uniform(key, customer, slot)
        key2 = step_key(7, customer, "experience_u2")
        assert normal_nb(np.uint64(key), np.uint64(key2), customer, slot) == \
            normal(key, key2, customer, slot)


def test_twins_identical_in_a_compiled_loop():
    # the kernels call uniform_nb inlined in a loop: compare 2,000 of those with the twin
    key = step_key(99, 4, "choice")
    got = _uniforms_nb(uint64(key), 2000, 3)
    want = np.array([uniform(key, i, 3) for i in range(2000)])
    assert np.array_equal(got, want)


def test_step_keys_vector_matches_scalar_keys():
    keys = step_keys(5, 17)
    assert keys.dtype == np.uint64 and keys.shape == (len(PURPOSES),)
    assert [int(k) for k in keys] == [step_key(5, 17, p) for p in PURPOSES]
    assert rng.PURPOSE == {p: k for k, p in enumerate(PURPOSES)}


def test_uniform_range_and_moments():
    # 10^5 draws: mean 1/2 (sd of the mean 0.00091), variance 1/12 (sd 0.00024); 5-sigma bounds
    u = _uniforms_nb(uint64(step_key(1, 1, "occasion")), 100_000, 0)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.0046
    assert abs(u.var() - 1.0 / 12.0) < 0.0012
    # no lumps: each tenth of [0, 1) holds 10% ± 5 sd (sd = sqrt(0.09 / 10^5) ≈ 0.00095)
    hist = np.histogram(u, bins=10, range=(0.0, 1.0))[0] / u.size
    assert np.all(np.abs(hist - 0.1) < 0.0048)


def test_uniform_is_a_multiple_of_2_to_minus_53():
    # 53 random bits: u · 2^53 is an integer, so 1 - u > 0 and log(1 - u) is finite
    u = _uniforms_nb(uint64(step_key(2, 3, "churn")), 1000, 5)
    assert np.array_equal(u * 2.0**53, np.floor(u * 2.0**53))


def test_normal_moments():
    # Box–Muller from two streams: mean 0 (sd 0.0032), variance 1 (sd 0.0045); 5-sigma bounds
    z = _normals_nb(uint64(step_key(1, 1, "experience_u1")),
                    uint64(step_key(1, 1, "experience_u2")), 100_000)
    assert np.all(np.isfinite(z))
    assert abs(z.mean()) < 0.016
    assert abs(z.var() - 1.0) < 0.023
    assert abs(np.mean(np.abs(z) < 1.0) - 0.6827) < 0.0075  # 68% within one sd


def _corr(a, b):
    return float(np.corrcoef(a, b)[0, 1])


def test_every_part_of_the_key_changes_the_stream():
    n = 20_000
    base = _uniforms_nb(uint64(step_key(1, 5, "choice")), n, 0)
    variants = {
        "seed": _uniforms_nb(uint64(step_key(2, 5, "choice")), n, 0),
        "step": _uniforms_nb(uint64(step_key(1, 6, "choice")), n, 0),
        "purpose": _uniforms_nb(uint64(step_key(1, 5, "churn")), n, 0),
        "slot": _uniforms_nb(uint64(step_key(1, 5, "choice")), n, 1),
        "customer": _uniforms_nb(uint64(step_key(1, 5, "choice")), n + 1, 0)[1:],
    }
    for name, other in variants.items():
        # independent streams: essentially no equal draws and no correlation (sd 1/sqrt(n))
        assert np.mean(base == other) < 1e-3, name
        assert abs(_corr(base, other)) < 0.035, name


def test_keys_distinct_across_purposes_steps_and_seeds():
    keys = {step_key(seed, step, p) for seed in range(3) for step in range(50) for p in PURPOSES}
    assert len(keys) == 3 * 50 * len(PURPOSES)


def test_slots_do_not_overlap_within_a_customer():
    # each customer owns SLOTS consecutive counters; customer i slot SLOTS-1 and customer i+1
    # slot 0 are neighbouring counters but different draws
    key = step_key(0, 1, "activation")
    draws = {uniform(key, i, s) for i in range(20) for s in range(SLOTS)}
    assert len(draws) == 20 * SLOTS


def test_stream_salt_and_derived_seed_do_not_depend_on_python_hash_seed():
    code = ("from sim.rng import stream_salt, derived_seed, step_key;"
            "print(stream_salt('choice'), derived_seed(7, 'network'), step_key(7, 3, 'churn'))")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env={"PYTHONHASHSEED": hash_seed, "PATH": ""})
             for hash_seed in ("1", "2")]
    outs = set()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.add(out)
    outs.add(f"{stream_salt('choice')} {derived_seed(7, 'network')} {step_key(7, 3, 'churn')}\n")
    assert len(outs) == 1


def test_derived_seed_is_32_bit_and_name_dependent():
    seeds = [derived_seed(s, name) for s in range(20) for name in ("network", "population")]
    assert all(0 <= s < 2**32 for s in seeds)
    assert len(set(seeds)) == len(seeds)


@pytest.mark.parametrize("name", ["choice", "network", "firm_review/0"])
def test_stream_salt_is_64_bit(name):
    assert 0 <= stream_salt(name) <= MASK64
