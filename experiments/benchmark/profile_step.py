"""Where a step's time goes outside the kernel: cProfile of steps 13..60 at 10^4 customers.

    NUMBA_NUM_THREADS=1 python experiments/benchmark/profile_step.py   # → results/benchmark/

Builds the default scenario (spells off), runs steps 1..12 unprofiled, profiles steps 13..60
and writes the 30 functions with the largest cumulative time to
``results/benchmark/profile_step_1e4.txt``. The journey kernel is one opaque call here (it is
one fused Numba pass; a per-stage split needs timers inside it).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main(n: int = 10_000, warmup: int = 12, steps: int = 60) -> int:
    """Profile and write the table."""
    from sim.configure import load_config
    from sim.model import MarketModel

    cfg = load_config([f"market.n_customers={n}", f"market.steps={steps}",
                       "output.spells=false"])
    model = MarketModel(cfg)
    for _ in range(warmup):
        model.step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps - warmup):
        model.step()
    prof.disable()
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(30)
    body = "\n".join(line.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "")
                     for line in text.getvalue().splitlines())
    out = ROOT / "results" / "benchmark" / "profile_step_1e4.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    threads = os.environ.get("NUMBA_NUM_THREADS", "")
    out.write_text(f"# cProfile of steps {warmup + 1}..{steps}, {n:,} customers, default "
                   f"scenario, spells off, NUMBA_NUM_THREADS={threads}\n{body}\n",
                   encoding="utf-8")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
