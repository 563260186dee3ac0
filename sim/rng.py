"""Counter-based random numbers keyed by (seed, step, purpose, customer, slot).

A draw depends only on its key, never on how many draws came before it or on which thread
made it, so a run gives bit-identical results whatever ``NUMBA_NUM_THREADS`` is and whatever
order customers are visited in. The generator is SplitMix64 (Steele, Lea & Flood 2014) applied
to a Weyl counter, the same construction as Starsim's ``hash_uniforms``. Every function exists
twice: a Numba version for the kernels and a plain-Python twin for the reference model, and the
two give the same bits.
"""

from __future__ import annotations

import functools
import hashlib
import math

import numpy as np
from numba import njit, uint64

from .numba_start import load_blas_only

load_blas_only()  # before Numba's first compilation or cache load: see sim.numba_start

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
TWO_PI = 2.0 * math.pi
INV_2_53 = 1.0 / 9007199254740992.0

# Named streams: one per kind of decision, so adding a draw to one stage never shifts another.
PURPOSES = (
    "ad_exposure",
    "activation",
    "activation_pick",
    "occasion",
    "choice",
    "experience_u1",
    "experience_u2",
    "retention_save",
    "churn",
    "cross_sell",
    "retention_choice",
    "recovery",
    "referral",
)
PURPOSE = {name: k for k, name in enumerate(PURPOSES)}
#: Slots per customer: draws for (firm or category) index j use counter customer * SLOTS + j.
SLOTS = 64


@functools.cache  # a handful of names, hashed once per process instead of every step
def stream_salt(name: str) -> int:
    """Stable 64-bit salt for a named stream (sha256, not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


# ----------------------------------------------------------------------------------------------
# Plain-Python twins (used for keys on the Python side and by the reference implementation)


def mix64(z: int) -> int:
    """SplitMix64 finaliser on a Python int (twin of :func:`mix64_nb`)."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * _M1) & MASK64
    z = ((z ^ (z >> 27)) * _M2) & MASK64
    return z ^ (z >> 31)


def step_key(seed: int, step: int, purpose: str) -> int:
    """Key of one named stream in one step of one run."""
    z = mix64((seed & MASK64) ^ stream_salt(purpose))
    return mix64((z + (step & MASK64) * GOLDEN) & MASK64)


def step_keys(seed: int, step: int) -> np.ndarray:
    """Keys of every stream for one step, indexed by :data:`PURPOSE`, as uint64."""
    return np.array([step_key(seed, step, p) for p in PURPOSES], dtype=np.uint64)


def uniform(key: int, customer: int, slot: int = 0) -> float:
    """Uniform in [0, 1) for (key, customer, slot); twin of :func:`uniform_nb`."""
    z = mix64((key + ((customer * SLOTS + slot + 1) * GOLDEN)) & MASK64)
    return (z >> 11) * INV_2_53


def normal(key1: int, key2: int, customer: int, slot: int = 0) -> float:
    """Standard normal by Box–Muller from two streams; twin of :func:`normal_nb`."""
    u1 = 1.0 - uniform(key1, customer, slot)  # in (0, 1], so log is finite
    u2 = uniform(key2, customer, slot)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(TWO_PI * u2)


# ----------------------------------------------------------------------------------------------
# Numba versions (all arithmetic in uint64: mixing int64 and uint64 in Numba yields floats)

_GOLDEN_U = uint64(GOLDEN)
_M1_U = uint64(_M1)
_M2_U = uint64(_M2)
_SLOTS_U = uint64(SLOTS)


@njit(cache=True, inline="always")
def mix64_nb(z):
    """SplitMix64 finaliser on a uint64."""
    z = (z ^ (z >> uint64(30))) * _M1_U
    z = (z ^ (z >> uint64(27))) * _M2_U
    return z ^ (z >> uint64(31))


@njit(cache=True, inline="always")
def uniform_nb(key, customer, slot):
    """Uniform in [0, 1) for (key, customer, slot); ``key`` is uint64."""
    counter = uint64(customer) * _SLOTS_U + uint64(slot) + uint64(1)
    z = mix64_nb(key + counter * _GOLDEN_U)
    return float(z >> uint64(11)) * INV_2_53


@njit(cache=True, inline="always")
def normal_nb(key1, key2, customer, slot):
    """Standard normal by Box–Muller from two streams."""
    u1 = 1.0 - uniform_nb(key1, customer, slot)
    u2 = uniform_nb(key2, customer, slot)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(TWO_PI * u2)


def derived_seed(seed: int, name: str) -> int:
    """A 32-bit seed for a setup generator (network, population), derived from the run seed."""
    return mix64((seed & MASK64) ^ stream_salt(name)) >> 32
