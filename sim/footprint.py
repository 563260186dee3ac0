"""How much memory a run needs, estimated before anything is built, against what is available.

The estimate follows what the model allocates per customer: the traits and state arrays of
``sim/customers.py`` (dtype by dtype), the networkx graph ``sim/network.py`` builds before it
becomes CSR arrays (the peak while the market is built: scale-free and random networks through
networkx; the default small world and ``market.network.generator=numba`` need far less),
the kernel's cache of need-estimate normals, and the spell records a run collects
(``MarketModel._record_spells``, ``spells_table``). The per-item costs of the graph and the spells
were measured on this code with ``ru_maxrss`` (peak resident memory) while building and running
100,000 and 300,000 customers: see ``NETWORK_BYTES_PER_CONTACT`` and ``BYTES_PER_SPELL``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from .config import Config, ConfigError, NetworkGenerator, NetworkKind

#: One process with Python, NumPy, pandas, Mesa and Numba's compiled kernels loaded, before the
#: market (measured: 240 MB resident after import, ~60 MB more once the kernels run).
BASE_BYTES = 350 * 2**20
#: networkx graph while the network is built: bytes per customer, fixed and per unit of mean
#: degree (measured peak of building 100,000 customers, small world: 1,360 B/customer at
#: mean_degree 4, 3,000 B at 12, 4,670 B at 20, i.e. ~205 B per contact; scale-free and random
#: within 5% of small world at 12; 300,000 customers: 2,920 B at 12).
NETWORK_BYTES_FIXED = 450
NETWORK_BYTES_PER_CONTACT = 220
#: The default small world (networkx's graph, made by the Numba replay of networkx's algorithm,
#: ``sim.kernels.networks.networkx_watts_strogatz_csr``): its neighbour lists, 4 bytes × (k +
#: ~20) per customer, and the CSR arrays (measured slope of the whole run: ~500 B/customer at
#: 10,000–30,000 customers, est. cache and spells included).
REPLAY_BYTES_FIXED = 160
REPLAY_BYTES_PER_CONTACT = 10
#: The Numba generators (``market.network.generator=numba``) while they build: bytes per
#: customer, fixed and per unit of mean degree (measured peak at 10^6 customers, degree 12:
#: small world 64 B, scale-free 112 B, random 136 B; ``sim/kernels/networks.py``).
NUMBA_NETWORK_BYTES_FIXED = 48
NUMBA_NETWORK_BYTES_PER_CONTACT = 8
#: The kernel's cache of need-estimate normals is kept up to this size (the same number as
#: ``sim.kernels.journey.EST_CACHE_BYTES``; not imported, so the estimate needs no Numba).
EST_CACHE_BYTES = 64 * 2**20
#: A relationship in the spell records and the sorted spells table (measured 204–218 B).
BYTES_PER_SPELL = 230


def array_bytes_per_customer(cfg: Config) -> int:
    """Bytes per customer of the arrays in ``sim/customers.py`` and their float64 draws."""
    n_cat = len(cfg.market.categories)
    dims = cfg.market.customers.need_dims
    n_firms = len(cfg.firms)
    traits = 1 + 4 * n_cat * dims + 5 * 4  # persona int8, needs float32, five float32 traits
    # aware, exposures (uint8), belief, knowledge (float64) per firm; firm_of, ended (int8),
    # tenure (int16), satisfaction (float64), start (int32) per category; spend, voice
    state = n_firms * (1 + 1 + 8 + 8) + n_cat * (1 + 1 + 2 + 8 + 4) + 8 + 2
    draws = 16 * n_cat * dims + 8 * n_firms + 17 * n_cat  # float64/int64 temporaries of the draws
    return traits + state + draws


def spells_per_customer(cfg: Config) -> float:
    """Relationships per customer a run records (measured 1.9 at 24 months, 3.7 at 120)."""
    if not cfg.output.spells:
        return 0.0
    return len(cfg.market.categories) * (0.75 + 0.01 * cfg.market.steps)


def network_bytes_per_customer(cfg: Config) -> float:
    """Peak bytes per customer of building the network (zero for a fully mixed market)."""
    net = cfg.market.network
    if net.kind == NetworkKind.fully_mixed:
        return 0.0
    if net.generator == NetworkGenerator.numba:
        return NUMBA_NETWORK_BYTES_FIXED + NUMBA_NETWORK_BYTES_PER_CONTACT * net.mean_degree
    if net.kind == NetworkKind.small_world:
        return REPLAY_BYTES_FIXED + REPLAY_BYTES_PER_CONTACT * net.mean_degree
    return NETWORK_BYTES_FIXED + NETWORK_BYTES_PER_CONTACT * net.mean_degree


def cache_bytes_per_customer(cfg: Config) -> int:
    """Bytes per customer of the kernel's need-estimate cache (0 beyond its size limit)."""
    m = cfg.market
    per = len(cfg.firms) * len(m.categories) * m.customers.need_dims * 8
    return per if m.n_customers * per <= EST_CACHE_BYTES else 0


def bytes_per_customer(cfg: Config) -> float:
    """Peak bytes per customer: the arrays, plus the larger of network build and spells."""
    build_or_spells = max(network_bytes_per_customer(cfg),
                          BYTES_PER_SPELL * spells_per_customer(cfg))
    return array_bytes_per_customer(cfg) + cache_bytes_per_customer(cfg) + build_or_spells


def estimate_bytes(cfg: Config) -> int:
    """Estimated peak memory of one run of ``cfg``, in bytes (the process included)."""
    return int(BASE_BYTES + cfg.market.n_customers * bytes_per_customer(cfg))


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def available_bytes() -> int | None:
    """Memory this process can still use, in bytes; None if unknown.

    The least of the machine's available memory, the container's (cgroup) limit minus its
    usage, and the address-space limit.
    """
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    for limit, usage in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                         ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                          "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        cap, used = _read_int(limit), _read_int(usage)
        if cap is not None and cap < 2**60:
            found.append(cap - (used or 0))
    try:
        import resource  # POSIX only
    except ImportError:
        resource = None
    if resource is not None:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            found.append(soft)
    if not found and hasattr(os, "sysconf"):
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError):
            pass
    return max(0, min(found)) if found else None


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} TiB"


def check_memory(configs: Sequence[Config], parallel: int = 1) -> None:
    """Refuse runs that cannot fit in memory, before anything is built or written.

    Args:
        configs: The runs (one, or one per swept value); the largest one counts.
        parallel: Runs at the same time (a sweep's workers on this machine).

    Raises:
        ConfigError: ``market.n_customers=N: needs about X of memory …; Y available …``.
    """
    available = available_bytes()
    if available is None or not configs:
        return
    cfg = max(configs, key=estimate_bytes)
    parallel = max(1, parallel)
    need = estimate_bytes(cfg) * parallel
    if need <= available:
        return
    per = bytes_per_customer(cfg)
    fit = max(0, int((available / parallel - BASE_BYTES) / per))
    fit_shown = f"{10 ** int(math.log10(fit)) * int(str(fit)[0]):,}" if fit >= 10 else str(fit)
    jobs = (f" for {parallel} jobs at once (fewer with hydra.launcher.n_jobs=N)"
            if parallel > 1 else "")
    raise ConfigError(
        f"market.n_customers={cfg.market.n_customers}: needs about {_size(need)} of memory"
        f"{jobs} (estimated {per:,.0f} bytes per customer), but {_size(available)} is "
        f"available; allowed: up to about {fit_shown} customers here")
