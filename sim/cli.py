"""The ``ccsim`` command line: ``ccsim run [hydra overrides]`` and the analysis commands.

``run`` validates the whole command line first (every value of a sweep too), so a bad value
ends with one clear line, exit status 2 and nothing written; then it hands over to Hydra, whose
run directory is the output folder.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable

USAGE = """usage: ccsim COMMAND [ARGS]

commands:
  run [OVERRIDES]        run a scenario (Hydra overrides, e.g. seed=7 scenario=subscription;
                         -m for a sweep: ccsim run -m seed=range(0,5)); --help shows the config
{extra}
Run `ccsim COMMAND --help` for a command's options."""

#: Commands beyond ``run``: name → ("module:function", one-line help). Each takes argv.
COMMANDS: dict[str, tuple[str, str]] = {
    "retention": ("sim.analysis.retention_report:main",
                  "RUN_DIR: fit sBG per firm to a run's cohorts, plot observed vs fitted"),
    "collect": ("sim.results:collect_main",
                "SWEEP_DIR: gather a sweep into runs, firm_kpis and timeseries Parquet"),
    "plot": ("sim.plots:main", "PATH: standard figures from a saved run or sweep"),
    "sensitivity": ("sim.analysis.sensitivity:main",
                    "global sensitivity (SALib Morris, Sobol) of the customer-centric advantage"),
    "dashboard": ("sim.app.cli:main", "[--port N] [--run PATH]: the teaching dashboard"),
}


def _error(message: str) -> int:
    print(f"ccsim: error: {message}", file=sys.stderr)
    return 2


def _task(cfg) -> None:  # noqa: ANN001 - Hydra passes a DictConfig
    """Hydra's task: validate, run, write into Hydra's output directory, print the table.

    In a sweep (``-m``) each job goes through :func:`sim.sweep.run_job` instead: it skips a job
    whose complete result exists, records a failure in ``error.json`` rather than raising (so
    the other jobs go on), and prints a progress line.
    """
    import logging

    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        from .sweep import run_job

        run_job(cfg)
        return

    from . import runner
    from .configure import to_config

    config = to_config(cfg)
    out_dir = HydraConfig.get().runtime.output_dir
    result = runner.run(config, out_dir)
    if config.output.print_table:
        print(f"\n{config.name} — seed {config.seed}, {config.market.n_customers:,} customers, "
              f"{config.market.steps} steps → {os.path.relpath(out_dir)}")
        print(runner.format_table(result))


def cmd_run(argv: list[str]) -> int:
    """``ccsim run``: validate the overrides, then run through Hydra.

    ``--resume`` (or ``+resume=true``) with ``-m`` continues a sweep: the one in
    ``hydra.sweep.dir=DIR`` if given, else the latest sweep run with the same overrides. Only
    jobs without a complete result run. A sweep in which a job failed (or did not finish)
    exits 1.
    """
    import hydra

    from . import sweep
    from .config import ConfigError
    from .configure import check_overrides, conf_dir

    flags = {"-m", "--multirun"}
    resume = any(a in sweep.RESUME_FLAGS for a in argv)
    argv = [a for a in argv if a not in sweep.RESUME_FLAGS]
    multirun = any(a in flags for a in argv)
    passthrough = any(a.startswith("-") and a not in flags for a in argv)  # --help, --cfg, …
    overrides = [a for a in argv if not a.startswith("-")]
    if resume and not multirun:
        return _error("--resume continues a sweep; add -m (ccsim run -m ... --resume)")
    if multirun:  # workers may start in another folder (a Ray cluster): give them an absolute one
        argv = [sweep.absolute_sweep_dir(a) for a in argv]
        overrides = [a for a in argv if not a.startswith("-")]
    if not passthrough:
        try:
            check_overrides(overrides, multirun=multirun)
            if resume:
                with_dir, folder = sweep.resume_overrides(overrides)
                argv = [*argv, *with_dir[len(overrides):]]
                print(f"ccsim: resuming {folder}", file=sys.stderr)
        except ConfigError as exc:
            return _error(str(exc))
    from .config import register_configs

    register_configs()
    main = hydra.main(config_path=str(conf_dir()), config_name="config", version_base="1.3")(_task)
    sys.argv = ["ccsim run", *argv]
    sweep.LAST_REPORT = None
    try:
        main()
    except SystemExit as exc:  # Hydra exits 1 on errors it caught and printed
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    report = sweep.LAST_REPORT
    if multirun and report is not None and (report.failed or report.incomplete):
        if report.failed:
            shown = "\n  ".join(str(d / sweep.ERROR) for d in report.failed_dirs[:10])
            more = f"\n  … and {report.failed - 10} more" if report.failed > 10 else ""
            print(f"ccsim: {report.failed} job(s) of the sweep failed; their errors:\n  {shown}"
                  f"{more}", file=sys.stderr)
        if report.incomplete:
            print(f"ccsim: {report.incomplete} job folder(s) in {report.sweep_dir} hold no "
                  "complete result (still running in another process?)", file=sys.stderr)
        print("ccsim: fix the cause and add --resume to run only what is missing", file=sys.stderr)
        return 1
    return 0


def _load(target: str) -> Callable[[list[str]], int]:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ccsim`` console script and ``python -m sim``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    extra = "\n".join(f"  {name:<22} {help_}" for name, (_, help_) in COMMANDS.items())
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE.format(extra=extra))
        return 0
    command, rest = argv[0], argv[1:]
    if command == "run":
        return cmd_run(rest)
    if command in COMMANDS:
        return _load(COMMANDS[command][0])(rest)
    return _error(f"unknown command {command!r}; commands: run, {', '.join(COMMANDS)}")


if __name__ == "__main__":
    sys.exit(main())
