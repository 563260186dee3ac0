"""The ``ccsim`` command line: ``ccsim run [hydra overrides]`` and the analysis commands.

``run`` reads its flags with Hydra's own argument parser, then validates the whole command line
first (every value of a sweep too, Hydra's launcher settings, the output folder and the memory
the run needs), so a bad value ends with one clear line, exit status 2 and nothing written; then
it hands over to Hydra, whose run directory is the output folder. ``ccsim run --help`` is ours
(:mod:`sim.config_help`); Hydra's flags that only print (``--cfg job``, ``--info``,
``--hydra-help``) pass through unchecked.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import logging
import os
import sys
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .configure import Launch

USAGE = """usage: ccsim COMMAND [ARGS]

commands:
  run [OVERRIDES]        run a scenario (Hydra overrides, e.g. seed=7 scenario=subscription;
                         -m for a sweep: ccsim run -m 'seed=range(0,5)'); --help lists every key
{extra}
Run `ccsim COMMAND --help` for a command's options."""

#: Exit status after the reader of our output went away (`ccsim ... | head`), as for SIGPIPE.
BROKEN_PIPE = 141

#: Hydra flags that only print something and exit (no run, nothing written): passed through.
INFO_FLAGS = ("cfg", "info", "hydra_help", "shell_completion")

#: Commands beyond ``run``: name → ("module:function", one-line help). Each takes argv.
COMMANDS: dict[str, tuple[str, str]] = {
    "retention": ("sim.analysis.retention_cli:main",
                  "RUN_DIR: fit sBG per firm to a run's cohorts, plot observed vs fitted"),
    "collect": ("sim.results:collect_main",
                "SWEEP_DIR: gather a sweep into runs, firm_kpis and timeseries Parquet"),
    "plot": ("sim.plots:main", "PATH: standard figures from a saved run or sweep"),
    "sensitivity": ("sim.studies.sensitivity:main",
                    "global sensitivity (SALib Morris, Sobol) of the customer-centric advantage"),
    "dashboard": ("sim.app.cli:main", "[--port N] [--run PATH]: the teaching dashboard"),
    "elasticities": ("sim.studies.elasticities:main", "elasticities of sales to marketing"),
    "decompose": ("sim.studies.decompose:main", "share of the gaps each mechanism explains"),
    "bench": ("sim.studies.bench:main", "[--quick]: throughput, memory and run time of the model"),
    "columns": ("sim.columns:main", "[TABLE]: the data dictionary (every column, unit, meaning)"),
    "fit": ("sim.studies.fit:main", "TARGET [--quick]: fit premises to an observed curve (--list)"),
    "optimise": ("sim.studies.optimise:main",
                 "[--quick] [--rivals respond]: one firm's best shares, budget and pricing "
                 "against its rivals"),
    "replicate": ("sim.studies.replicate:main",
                  "[STUDY...] [--quick] | --list: published field studies of the customer "
                  "levers re-run in the model"),
    "experiment": ("sim.studies.experiments:main",
                   "NAME [--quick] [--seeds N] | --all | --list: put a claim of the essays to "
                   "the test"),
}


def _error(message: str) -> int:
    print(f"ccsim: error: {message}", file=sys.stderr)
    return 2


def _stdout_gone() -> None:
    """The reader of stdout went away: send the rest (and the final flush) to /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


_PIPE_CLOSED = False  #: set when the task's output met a closed pipe (exit BROKEN_PIPE)


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
    logging.raiseExceptions = False  # in sweep workers too: a closed stdout is not an error
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        from .sweep import run_job

        run_job(cfg)
        return

    from . import runner
    from .configure import to_config
    from .folders import prepare_run_folder

    config = to_config(cfg)
    hc = HydraConfig.get()
    out_dir = hc.runtime.output_dir
    # checked before Hydra started (sim.configure.check_output_dir); Hydra has written only its
    # own record (.hydra/) since: the folder becomes a marked run folder before the run writes
    prepare_run_folder(out_dir, hydra_record=hc.output_subdir)
    result = runner.run(config, out_dir)
    if config.output.print_table:
        global _PIPE_CLOSED
        try:
            print(f"\n{config.name} — seed {config.seed}, {config.market.n_customers:,} "
                  f"customers, {config.market.steps} steps → {os.path.relpath(out_dir)}")
            print(runner.format_table(result), flush=True)
        except BrokenPipeError:  # `ccsim run | head`: the run is saved, the reader left
            _stdout_gone()
            _PIPE_CLOSED = True


@dataclass
class RunArgs:
    """``ccsim run``'s command line as Hydra reads it."""

    overrides: list[str]
    multirun: bool = False
    help: bool = False
    info: bool = False  #: a Hydra flag that only prints (--cfg, --info, --hydra-help, ...)
    where: dict = field(default_factory=dict)  #: config_name / config_dir for sim.configure
    flags: list[str] = field(default_factory=list)  #: flags handed on to Hydra
    resume: bool = False  #: --resume (or +resume=true): continue a sweep
    package: str | None = None  #: --package with --cfg: the part of the config to print


def build_parser() -> argparse.ArgumentParser:
    """``ccsim run``'s flags: Hydra's own parser, plus ``--resume``; usage errors are one line.

    Hydra's parser is used as it is (so every flag Hydra has is known, and ``ccsim run`` reads
    a command line as Hydra will); ``--help`` prints ccsim's help (:mod:`sim.config_help`).
    """
    from hydra._internal.utils import get_args_parser

    from .cli_parser import UsageError, one_line

    parser = get_args_parser()
    parser.prog = "ccsim run"
    parser.add_argument("--resume", action="store_true",
                        help="with -m: continue the same sweep; only jobs without a result run")

    def fail(message: str) -> typing.NoReturn:
        raise UsageError(f"{one_line(message)}; see ccsim run --help")

    parser.error = fail  # argparse would print its usage and exit
    return parser


def parse_run_args(argv: list[str]) -> RunArgs:
    """Read ``ccsim run``'s arguments with Hydra's own parser (flags may come anywhere).

    Raises:
        ConfigError: a flag ccsim refuses (``--experimental-rerun`` unpickles a file;
            ``--config-path`` would replace the packaged configs), a ``--config-dir`` whose
            presets may run code (:func:`sim.hydra_policy.check_config_dir`), or argparse's
            complaint.
    """
    from .cli_parser import UsageError
    from .config import ConfigError
    from .hydra_policy import check_config_dir
    from .sweep import RESUME_FLAGS

    for arg in argv:
        if arg == "--experimental-rerun" or arg.startswith("--experimental-rerun="):
            raise ConfigError("--experimental-rerun: not supported (it loads a pickle, which can "
                              "run any code); rerun with the overrides in the run's "
                              ".hydra/overrides.yaml")
    resume = any(a in RESUME_FLAGS for a in argv)
    argv = [a for a in argv if a not in RESUME_FLAGS[1:]]  # the override forms of --resume
    wants_help = any(a in ("-h", "--help") for a in argv)
    argv = [a for a in argv if a not in ("-h", "--help")]
    try:
        args = build_parser().parse_intermixed_args(argv)
    except UsageError as exc:
        raise ConfigError(str(exc)) from None
    if args.config_path is not None:
        raise ConfigError(f"--config-path={args.config_path}: not supported (ccsim's configs "
                          "are packaged); add a folder of your own presets with --config-dir DIR")
    if (args.package is not None or args.resolve) and not args.cfg:
        flag = f"--package={args.package}" if args.package is not None else "--resolve"
        raise ConfigError(f"{flag}: only with --cfg job|hydra|all (it chooses what --cfg prints)")
    info = any(getattr(args, name) for name in INFO_FLAGS)
    multirun = bool(args.multirun) or any(
        o.replace(" ", "") in ("hydra.mode=MULTIRUN", "hydra.mode=multirun")
        for o in args.overrides)
    if args.run and multirun:
        raise ConfigError("--run and -m/--multirun (or hydra.mode=MULTIRUN): choose one")
    where, flags = {}, ["-m"] if args.multirun else []
    if args.config_name is not None:
        where["config_name"] = args.config_name
        flags += ["--config-name", args.config_name]
    if args.config_dir is not None:
        if not os.path.isdir(args.config_dir):
            raise ConfigError(f"--config-dir={args.config_dir}: no such folder; name a folder "
                              "of presets (DIR/scenario/NAME.yaml, DIR/firms/NAME.yaml, ...)")
        check_config_dir(args.config_dir)
        where["config_dir"] = args.config_dir
        flags += ["--config-dir", args.config_dir]
    return RunArgs(list(args.overrides), multirun, wants_help, info, where, flags,
                   resume or args.resume, args.package)


def _check_info(args: RunArgs) -> None:
    """Checks of a command line whose flags only print (``--cfg``, ``--info``, ...).

    Such a command runs nothing and Hydra prints even a configuration that is not valid, so
    only what could run code is checked (and ``--package`` names a part of the config): the
    overrides one by one, and Hydra's node as composed (if it composes; if not, Hydra reports
    why without instantiating anything).
    """
    from omegaconf import OmegaConf

    from .config import ConfigError
    from .configure import compose, parse_overrides
    from .hydra_policy import check_node

    parse_overrides(args.overrides)
    try:
        cfg = compose(args.overrides, hydra=True, **args.where)
    except Exception:  # noqa: BLE001 - Hydra prints its own error; nothing was instantiated
        return
    check_node(cfg)
    if args.package not in (None, "_global_"):
        if OmegaConf.select(cfg, args.package, default=None) is None:
            raise ConfigError(f"--package={args.package}: no such part of the configuration; "
                              "allowed: a dotted key such as market or market.network")


def cmd_run(argv: list[str], check_only: bool = False) -> int:
    """``ccsim run``: validate the overrides, then run through Hydra.

    ``--resume`` (or ``+resume=true``) with ``-m`` continues a sweep: the one in
    ``hydra.sweep.dir=DIR`` if given, else the latest sweep run with the same overrides. Only
    jobs without a complete result run. A sweep in which a job failed (or did not finish)
    exits 1.

    Args:
        argv: The arguments after ``run``.
        check_only: Validate the whole command line (and find the sweep to resume), then
            return 0 without running Hydra.
    """
    import hydra

    from . import sweep
    from .config import ConfigError
    from .configure import check_launch, check_overrides, check_run, conf_dir
    from .footprint import check_memory

    try:
        args = parse_run_args(argv)
        if args.help:
            from .config_help import run_help

            print(run_help(args.overrides, **args.where), flush=True)
            return 0
    except ConfigError as exc:
        return _error(str(exc))
    multirun, overrides, resume = args.multirun, args.overrides, args.resume
    if resume and not multirun:
        return _error("--resume continues a sweep; add -m (ccsim run -m ... --resume)")
    if multirun:  # workers may start in another folder (a Ray cluster): give them an absolute one
        overrides = [sweep.absolute_sweep_dir(a) for a in overrides]
    launch, folder = None, None
    try:
        if args.info:  # --cfg, --info, ... only print: Hydra shows even a config that is wrong
            _check_info(args)
        else:
            if not multirun:  # one composition for both checks
                config, launch = check_run(overrides, **args.where)
                configs = [config]
            else:
                configs = check_overrides(overrides, multirun=multirun, **args.where)
            if resume:
                overrides, folder = sweep.resume_overrides(overrides)
            if multirun:
                launch = check_launch(overrides, multirun=multirun, **args.where)
            check_memory(configs, parallel=launch.parallel)
    except ConfigError as exc:
        return _error(str(exc))
    if check_only:
        return 0
    if folder is not None:
        print(f"ccsim: resuming {folder}", file=sys.stderr)
        # every planned job complete (same configuration): nothing to launch
        done = sweep.all_complete(folder, overrides)
        if done is not None:
            print(f"sweep finished: {done.line()} → {folder} (all complete with the "
                  "same configuration; nothing run)")
            return 0
    from .config import register_configs

    register_configs()
    main = hydra.main(config_path=str(conf_dir()), config_name="config", version_base="1.3")(_task)
    sys.argv = ["ccsim run", *(_hydra_argv(argv) if args.info else [*args.flags, *overrides])]
    sweep.LAST_REPORT = None
    try:
        with _mode_known(None if multirun else launch):
            main()
    except SystemExit as exc:  # Hydra exits 1 on errors it caught and printed
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    if _PIPE_CLOSED:
        return BROKEN_PIPE
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


def _hydra_argv(argv: list[str]) -> list[str]:
    """The arguments for Hydra itself: ccsim's ``--resume`` forms removed."""
    from .sweep import RESUME_FLAGS

    return [a for a in argv if a not in RESUME_FLAGS]


@contextlib.contextmanager
def _mode_known(launch: Launch | None) -> Iterator[None]:
    """Hydra's main with its ``Hydra.get_mode`` answered by the mode the checks composed.

    Hydra composes a whole configuration only to read ``hydra.mode`` from it (None unless set),
    then composes it again to run (about 0.1 s each); a checked single run has composed it
    already, with the same overrides. ``launch`` None (a sweep, or flags that only print):
    Hydra asks as usual.
    """
    from hydra._internal.hydra import Hydra

    if launch is None or not hasattr(Hydra, "get_mode"):
        yield
        return
    real = Hydra.get_mode
    Hydra.get_mode = lambda self, config_name, overrides: launch.mode  # noqa: ARG005
    try:
        yield
    finally:
        Hydra.get_mode = real


def _load(target: str) -> Callable[..., int]:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def command_parser(command: str) -> argparse.ArgumentParser:
    """The argparse parser of ``ccsim COMMAND`` (``run``: Hydra's, plus ``--resume``).

    Every command module exposes ``build_parser()`` beside its ``main``; the bad-input table
    test (``tests/cli/test_bad_input.py``) enumerates each parser's flags from it.

    Raises:
        LookupError: an unknown command, or a command module without ``build_parser``.
    """
    if command == "run":
        return build_parser()
    if command not in COMMANDS:
        raise LookupError(f"unknown command {command!r}")
    module = importlib.import_module(COMMANDS[command][0].split(":")[0])
    if not callable(getattr(module, "build_parser", None)):
        raise LookupError(f"ccsim {command}: {module.__name__} has no build_parser() (every "
                          "command module exposes its argparse parser under that name)")
    return module.build_parser()


def accepts_check_only(func: Callable[..., int]) -> bool:
    """Whether a command's ``main`` takes ``check_only`` (validate, then return without work)."""
    try:
        return "check_only" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def main(argv: list[str] | None = None, *, check_only: bool = False) -> int:
    """Entry point of the ``ccsim`` console script and ``python -m sim``.

    Output piped into a reader that stops early (``ccsim run --help | head -1``) ends quietly
    with status 141, as for any Unix tool, instead of a BrokenPipeError traceback.

    Args:
        argv: The arguments (default ``sys.argv[1:]``).
        check_only: Only validate the command line: every command checks all it can (values,
            the files it reads, the folder it would write) and returns 0 or 2 (one
            ``ccsim: error:`` line) without doing its work or writing anything.
    """
    # a log line to a closed stdout must not print a traceback (the logging docs' advice)
    logging.raiseExceptions = False
    try:
        status = _main(argv, check_only)
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_gone()
        return BROKEN_PIPE
    return status


def _main(argv: list[str] | None, check_only: bool = False) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    extra = "\n".join(f"  {name:<22} {help_}" for name, (_, help_) in COMMANDS.items())
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE.format(extra=extra))
        return 0
    command, rest = argv[0], argv[1:]
    if command == "run":
        return cmd_run(rest, check_only=check_only)
    if command not in COMMANDS:
        return _error(f"unknown command {command!r}; commands: run, {', '.join(COMMANDS)}")
    func = _load(COMMANDS[command][0])
    if check_only and not accepts_check_only(func):
        return _error(f"ccsim {command} cannot check its arguments without running "
                      "(its main() takes no check_only)")
    try:
        return func(rest, check_only=True) if check_only else func(rest)
    except SystemExit as exc:  # argparse's --help (0) or a parser that exits on an error
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


if __name__ == "__main__":
    sys.exit(main())
