"""Where the time of one run goes (``python -m sim.studies.bench_split --out DIR [overrides]``).

The run goes through :func:`sim.runner.run` (what ``ccsim run`` calls inside Hydra's job) with
timers around its parts; prints one JSON object of seconds per stage on its last line:
``imports`` (sim.runner, sim.configure, Hydra), ``compose`` (Hydra composition and validation,
:func:`sim.configure.load_config`), ``build`` (the model: population, network, firms),
``kernel`` (the journey kernel; on a cold Numba cache this includes its compilation),
``python_step`` (the rest of every step: planning, accounting, Mesa's data collection),
``collect`` (timeseries, spells and KPI tables), ``write`` (Parquet, YAML, JSON) and ``total``
(from the process's first line of Python). Interpreter start-up before that and Hydra's run
set-up are not in it: ``ccsim run``'s end-to-end time minus this total.
"""

from __future__ import annotations

import json
import sys
import time

T_START = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    """Run the default scenario (plus overrides) once with timers; print the stages as JSON."""
    argv = sys.argv[1:] if argv is None else list(argv)
    out = argv[argv.index("--out") + 1]
    at = argv.index("--out")
    overrides = argv[:at] + argv[at + 2:]
    stages: dict[str, float] = {}

    def timed(owner, name: str, stage: str) -> None:  # noqa: ANN001 - module or class
        real = getattr(owner, name)

        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - t

        setattr(owner, name, wrapper)

    t = time.perf_counter()
    import hydra  # noqa: F401 - part of what a run imports

    from sim import io, model, runner
    from sim.configure import load_config
    stages["imports"] = time.perf_counter() - t

    t = time.perf_counter()
    cfg = load_config([*overrides, "output.progress=false", "output.print_table=false"])
    stages["compose"] = time.perf_counter() - t

    timed(model.MarketModel, "__init__", "build")
    timed(model, "journey_step", "kernel")
    timed(model.MarketModel, "step", "step")
    for name in ("timeseries", "spells_table"):
        timed(model.MarketModel, name, "collect")
    for name in ("firm_kpis", "strategy_comparison", "network_sample"):
        timed(runner, name, "collect")
    for name in ("write_parquet", "write_text", "write_json"):
        timed(io, name, "write")
    runner.run(cfg, out)
    stages["python_step"] = stages.pop("step") - stages["kernel"]
    stages["total"] = time.perf_counter() - T_START
    print(json.dumps(stages), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
