"""The memory estimate (``sim.footprint``) against what the model really takes, and the refusal.

The estimate must not fall below the measured cost per customer (peak memory allocated while
building and running a market, by ``tracemalloc``, which sees NumPy's arrays and networkx's
objects but not the Numba compiler's one-off peak; two sizes, the difference divided by the
difference in customers, so fixed costs cancel out) and not overstate it wildly. Measured when
written, 10,000 and 30,000 customers: 2,984 B/customer (estimate 3,367) with the default
small-world network, 500 B (estimate 732) fully mixed over 24 months; ``ru_maxrss`` at 20,000
and 60,000 customers gave 2,925 and 613 B.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim import footprint
from sim.config import ConfigError
from sim.configure import load_config

MEASURE = r"""
import json, sys, tracemalloc
from sim.configure import load_config
from sim.model import MarketModel
from sim.runner import simulate
simulate(load_config(["market.n_customers=200", "market.steps=1", *sys.argv[2:]]), progress=False)
cfg = load_config([f"market.n_customers={sys.argv[1]}", *sys.argv[2:]])
tracemalloc.start()  # NumPy's arrays and networkx's objects, not Numba's compiler
model = MarketModel(cfg)
for _ in range(cfg.market.steps):
    model.step()
model.timeseries(); model.spells_table()
print(json.dumps(tracemalloc.get_traced_memory()[1]))
"""


def _peak(n: int, overrides: list[str]) -> int:
    """Peak bytes allocated while building and running ``n`` customers (a fresh process)."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(n), *overrides],
                          capture_output=True, text=True, timeout=600,
                          env={"OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1",
                               "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("overrides", [
    ["market.steps=6"],  # the default small-world network: building it is the peak
    ["market.steps=6", "market.network.generator=numba"],  # the lean Numba network build
    pytest.param(["market.steps=24", "market.network.kind=fully_mixed"],  # arrays and spells
                 marks=pytest.mark.slow),
])
def test_estimate_covers_the_measured_cost_per_customer(overrides):
    small, large = 10_000, 30_000
    measured = (_peak(large, overrides) - _peak(small, overrides)) / (large - small)
    estimated = footprint.bytes_per_customer(load_config(overrides))
    assert measured > 0
    assert measured <= estimated <= 2.5 * measured, (measured, estimated)


def test_a_market_too_big_for_memory_is_refused():
    cfg = load_config(["market.n_customers=1000000000"])
    with pytest.raises(ConfigError) as err:
        footprint.check_memory([cfg])
    msg = str(err.value)
    assert msg.startswith("market.n_customers=1000000000: needs about ")
    assert "bytes per customer" in msg and "available" in msg and "up to about" in msg


def test_parallel_jobs_multiply_the_need(monkeypatch):
    cfg = load_config(["market.n_customers=100000"])
    one = footprint.estimate_bytes(cfg)
    monkeypatch.setattr(footprint, "available_bytes", lambda: int(one * 1.5))
    footprint.check_memory([cfg], parallel=1)
    with pytest.raises(ConfigError, match="for 2 jobs at once"):
        footprint.check_memory([cfg], parallel=2)


def test_estimate_grows_with_what_the_model_allocates():
    base = load_config([])
    assert footprint.estimate_bytes(load_config(["market.n_customers=20000"])) > \
        footprint.estimate_bytes(base)
    no_spells = ["output.spells=false"]  # (else the spell records outweigh the network)
    assert footprint.bytes_per_customer(load_config([*no_spells,
                                                     "market.network.mean_degree=30"])) > \
        footprint.bytes_per_customer(load_config(no_spells))
    assert footprint.bytes_per_customer(load_config(["firms=mix_ladder"])) > \
        footprint.bytes_per_customer(load_config(["firms=single"]))


def test_available_memory_is_known_here():
    avail = footprint.available_bytes()
    assert avail is None or avail > 0


def test_numba_networks_are_estimated_far_leaner_and_the_cache_limit_is_the_kernels():
    from sim.kernels import journey

    assert footprint.EST_CACHE_BYTES == journey.EST_CACHE_BYTES
    big = ["market.n_customers=10000000", "output.spells=false"]
    nx_cfg = load_config([*big, "market.network.kind=scale_free"])  # a networkx graph
    nb_cfg = load_config([*big, "market.network.kind=scale_free",
                          "market.network.generator=numba"])
    assert footprint.cache_bytes_per_customer(nb_cfg) == 0  # no cache at 10^7
    assert footprint.bytes_per_customer(nb_cfg) < footprint.bytes_per_customer(nx_cfg) / 4
    # the default small world (networkx's graph replayed in Numba) sits in between
    replay = footprint.bytes_per_customer(load_config(big))
    assert footprint.bytes_per_customer(load_config([*big, "market.network.generator=numba"])) \
        < replay < footprint.bytes_per_customer(nx_cfg) / 2
    assert footprint.cache_bytes_per_customer(load_config([])) > 0  # cached at 10^4
