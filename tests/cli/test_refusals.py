"""Issue 22's findings, each as the command that showed it: refused with one line, nothing written.

Unlike the table of ``test_bad_input.py`` (``check_only``), these run ``sim.cli.main`` the
real way, in this process: the command would do its work (a run, a study, a bench) if its
input were accepted. Each case asserts exit status 2, one ``ccsim: error:`` line naming the
culprit, nothing on stdout, and the working folder unchanged to the byte (so a file of the
user's is never overwritten, a callback never ran, a log handler never truncated anything).
Two of them also run through the ``ccsim`` console script (:func:`test_console_script`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: A market so small that a wrongly accepted run would end in about a second.
TINY = ["market.n_customers=200", "market.steps=2", "output.print_table=false",
        "output.progress=false"]
#: A folder nobody may create anything in: /sys refuses even root; a 0555 folder the others.
UNWRITABLE = "/sys/ccsim-test/out" if os.geteuid() == 0 else "readonly/out"

EVIL_CALLBACK = ("# @package _global_\nname: evil\nhydra:\n  callbacks:\n    x:\n"
                 "      _target_: os.makedirs\n      name: PWNED\n")


def _setup(case: str, root: Path) -> None:
    """Put what a case needs into its folder (part of the tree that must stay unchanged)."""
    (root / "afile").write_text("not a folder\n")
    (root / "victim.txt").write_text("precious\n")
    if os.geteuid() != 0:
        (root / "readonly").mkdir(mode=0o555)
    mine = root / "myproject"
    mine.mkdir()
    (mine / "config.yaml").write_text("my: precious\n")
    other = root / "otherrun"
    other.mkdir()
    (other / "summary.json").write_text("{}\n")  # JSON, but not ccsim's (no config_hash)
    (other / "notes.txt").write_text("mine\n")
    (root / "empty").mkdir()
    (root / "link").symlink_to(root / "empty")
    (root / "dangling").symlink_to(root / "nowhere")
    presets = root / "presets"
    for rel, text in {
        "callbacks/scenario/evil.yaml": EVIL_CALLBACK,
        "launcher/hydra/launcher/evil.yaml": "_target_: os.system\n",
        "logging/scenario/quiet.yaml": ("# @package _global_\ndefaults:\n"
                                        "  - override /hydra/job_logging: default\n"),
        "package/scenario/sneaky.yaml": "# @package hydra.callbacks\nx:\n  _target_: os.system\n",
    }.items():
        path = presets / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if case == "conf_copy_current_folder":
        from sim.configure import conf_dir

        shutil.copytree(conf_dir(), root / "conf")
    junk = root / "junksweep"
    junk.mkdir()
    (junk / ".ccsim-sweep").write_text("{}\n")
    (junk / "multirun.yaml").write_text("hydra: [not, a, record\n")
    sweep = root / "sweep" / "seed=1" / ".hydra"
    sweep.mkdir(parents=True)
    (sweep / "overrides.yaml").write_text("- seed=1\n")


#: case → (ccsim arguments, text the one error line must contain)
CASES: dict[str, tuple[list[str], str]] = {
    # 1. nothing of the user's overwritten: only folders with ccsim's marker are reused
    "folder_holding_a_config_yaml": (["run", *TINY, "hydra.run.dir=myproject"],
                                     "hydra.run.dir=myproject"),
    "conf_copy_current_folder": (["run", *TINY, "hydra.run.dir=conf"], "hydra.run.dir=conf"),
    "summary_json_not_ccsims": (["run", *TINY, "hydra.run.dir=otherrun"],
                                "hydra.run.dir=otherrun"),
    "sweep_into_a_project": (["run", "-m", *TINY, "seed=1,2", "hydra.sweep.dir=myproject"],
                             "myproject"),
    # 2. no code from the command line or a preset
    "callback_target": (["run", *TINY, "+hydra.callbacks.x._target_=os.makedirs",
                         "+hydra.callbacks.x.name=PWNED"], "hydra.callbacks"),
    "job_logging_handler": (["run", *TINY,
                             "+hydra.job_logging.handlers.x.class=logging.FileHandler",
                             "+hydra.job_logging.handlers.x.filename=victim.txt",
                             "+hydra.job_logging.handlers.x.mode=w"], "hydra.job_logging"),
    "hydra_logging_handler": (["run", *TINY,
                               "+hydra.hydra_logging.handlers.x.class=logging.FileHandler",
                               "+hydra.hydra_logging.handlers.x.filename=victim.txt"],
                              "hydra.hydra_logging"),
    "job_logging_group": (["run", *TINY, "hydra/job_logging=default"], "hydra/job_logging"),
    "hydra_logging_group": (["run", *TINY, "hydra/hydra_logging=default"],
                            "hydra/hydra_logging"),
    "launcher_target": (["run", *TINY, "hydra.launcher._target_=os.system"], "os.system"),
    "sweeper_target": (["run", "-m", *TINY, "seed=1,2", "hydra.sweeper._target_=os.system"],
                       "os.system"),
    "whole_hydra_node": (["run", *TINY, "hydra={callbacks: {x: {_target_: os.makedirs}}}"],
                         "hydra="),
    "launcher_as_a_dict": (["run", *TINY, "hydra.launcher={_target_: os.system}"], "os.system"),
    "preset_into_hydra": (["run", *TINY, "+scenario@hydra.callbacks=b2b"], "hydra.callbacks"),
    "searchpath": (["run", *TINY, "hydra.searchpath=[file:///tmp]"], "hydra.searchpath"),
    "info_flag_callback": (["run", "--cfg", "job", "+hydra.callbacks.x._target_=os.makedirs"],
                           "hydra.callbacks"),
    "submitit_setup_lines": (["run", "-m", *TINY, "seed=1,2", "hydra/launcher=submitit_slurm",
                              "hydra.launcher.setup=[touch PWNED]"], "hydra.launcher.setup"),
    "sweeper_params": (["run", "-m", *TINY, "+hydra.sweeper.params={seed: 'range(0,9)'}"],
                       "hydra.sweeper.params"),
    # presets: refused whether chosen or not (a sweep may choose any of them)
    "preset_callback": (["run", *TINY, "--config-dir", "presets/callbacks"], "evil.yaml"),
    "preset_launcher": (["run", *TINY, "--config-dir", "presets/launcher"], "evil.yaml"),
    "preset_logging_defaults": (["run", *TINY, "--config-dir", "presets/logging"],
                                "quiet.yaml"),
    "preset_package_line": (["run", *TINY, "--config-dir", "presets/package"], "sneaky.yaml"),
    # 3. nowhere outside the output folder, no links followed
    "output_subdir_absolute": (["run", *TINY, "hydra.output_subdir={root}/elsewhere"],
                               "hydra.output_subdir"),
    "sweep_subdir_outside": (["run", "-m", *TINY, "seed=1,2", "hydra.sweep.dir=sw",
                              "hydra.sweep.subdir=../../outside/job${hydra.job.num}"],
                             "hydra.sweep.subdir"),
    "run_dir_a_link": (["run", *TINY, "hydra.run.dir=link"], "hydra.run.dir=link"),
    # 4. a junk multirun.yaml is not resumed
    "resume_junk_multirun": (["run", "-m", *TINY, "seed=1,2", "hydra.sweep.dir=junksweep",
                              "--resume"], "multirun.yaml"),
    # 5. --out checked before the work
    "sensitivity_out_file": (["sensitivity", "--quick", "--out", "afile"], "--out=afile"),
    "elasticities_out_unwritable": (["elasticities", "--quick", "--out", UNWRITABLE], "--out"),
    "bench_out_file": (["bench", "--quick", "--no-e2e", "--out", "afile"], "--out=afile"),
    "collect_out_file": (["collect", "sweep", "--out", "afile"], "--out=afile"),
    "decompose_out_file": (["decompose", "--quick", "--out", "afile"], "--out=afile"),
    # 7. no tracebacks
    "name_too_long": (["run", *TINY, "name=" + "n" * 250], "name="),
    "run_dir_dangling_link": (["run", *TINY, "hydra.run.dir=dangling"],
                              "hydra.run.dir=dangling"),
    # 8. smaller ones
    "elasticities_huge_seeds": (["elasticities", "--seeds", "99999999999999999999"], "--seeds"),
    "bench_max_wait_nan": (["bench", "--max-wait", "nan"], "--max-wait=nan"),
    "collect_usage": (["collect", "sweep", "--nope"], "--nope"),
    "bench_usage": (["bench", "--nope"], "--nope"),
    "name_newline": (["run", *TINY, "name='a\nb'"], "control character"),
    "name_ansi_escape": (["run", *TINY, "name='a\x1b[31mb'"], "control character"),
    "salib_seed_negative": (["sensitivity", "--quick", "--salib-seed", "-1"], "--salib-seed=-1"),
    "sweep_of_ten_million": (["run", "-m", "seed=range(0,10000000)"], "10,000,000 jobs"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused(case, tmp_path, monkeypatch, capsys, snapshot):
    from sim.cli import main

    _setup(case, tmp_path)
    args, needle = CASES[case]
    args = [a.replace("{root}", str(tmp_path)) for a in args]
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    status = main(args)
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2, (status, err[-2000:])
    assert len(lines) == 1 and lines[0].startswith("ccsim: error: "), err
    assert needle in lines[0], (needle, lines[0])
    assert out == "" and "Traceback" not in err
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "elsewhere").exists()


def test_console_script(tmp_path, cli):
    """The two ways to run code found by the probe, through the real ``ccsim``: refused."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    procs = [
        cli.start(["run", *TINY, "+hydra.callbacks.x._target_=os.makedirs",
                   f"+hydra.callbacks.x.name={tmp_path / 'PWNED'}"], tmp_path, script=True),
        cli.start(["run", *TINY, "+hydra.job_logging.handlers.x.class=logging.FileHandler",
                   f"+hydra.job_logging.handlers.x.filename={victim}",
                   "+hydra.job_logging.handlers.x.mode=w"], tmp_path, script=True),
    ]
    for proc in procs:
        done = cli.finish(proc, timeout=120)
        assert done.returncode == 2, done.stderr[-2000:]
        assert done.stderr.count("ccsim: error:") == 1
    assert not (tmp_path / "PWNED").exists()
    assert victim.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim.txt"]
