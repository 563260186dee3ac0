"""End to end: ``ccsim run --help`` is ccsim's own reference of every key and preset.

Each key of the schema (``sim.config.Config``) must appear with its current value, its meaning
(the ``help`` metadata) and its range and unit; the presets of every config group must be
listed with the chosen one marked; Hydra's ``--cfg job`` still passes through; and output
piped into a reader that stops early ends without a traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import typing
from dataclasses import fields, is_dataclass

import pytest

from sim.config import Config, FirmConfig
from sim.configure import conf_dir, load_config


@pytest.fixture(scope="module")
def helps(tmp_path_factory, cli):
    """``ccsim run --help`` with the defaults and with the Bass scenario, started together."""
    cwd = tmp_path_factory.mktemp("help")
    procs = {
        "default": cli.start(["run", "--help"], cwd=cwd, script=True),
        "bass": cli.start(["run", "--help", "scenario=bass", "market=small"], cwd=cwd,
                          script=True),
        "cfg": cli.start(["run", "--cfg", "job", "seed=5"], cwd=cwd, script=True),
        "top": cli.start(["--help"], cwd=cwd, script=True),
    }
    done = {k: cli.finish(p, timeout=300) for k, p in procs.items()}
    assert not (cwd / "results").exists()  # help writes nothing
    return done


def _flat(text: str) -> str:
    """Help text with wrapping undone (runs of spaces and newlines as one space)."""
    return re.sub(r"\s+", " ", text)


def _leaf_keys(obj, path=""):
    """(key, field) for every plain key of a config object; dict entries as NAME."""
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        if is_dataclass(value):
            yield from _leaf_keys(value, key)
        elif isinstance(value, dict) and value and all(is_dataclass(v) for v in value.values()):
            yield from _leaf_keys(next(iter(value.values())), f"{key}.NAME")
        else:
            yield key, f, hints[f.name]


def test_help_is_ours_and_exits_0(helps):
    done = helps["default"]
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: ccsim run")
    assert "Powered by Hydra" not in done.stdout and "== Config ==" not in done.stdout
    assert done.stderr == ""


def test_every_key_has_its_meaning_and_range(helps):
    text = helps["default"].stdout
    flat = _flat(text)
    cfg = load_config([])
    keys = list(_leaf_keys(cfg))
    assert len(keys) > 80  # the whole schema, firms and categories included
    for key, f, _ in keys:
        assert re.search(rf"^  {re.escape(key)}[=\s]", text, re.M), key
        meaning = f.metadata.get("help")
        assert meaning, f"{key} has no help metadata in sim/config.py"
        assert _flat(meaning) in flat, (key, meaning)
        if f.metadata.get("lo") is not None:
            assert f"{key}" in flat


def test_values_ranges_and_units_are_shown(helps):
    flat = _flat(helps["default"].stdout)
    assert "market.n_customers=10000 customers in the market ([1, 1,000,000,000] customers)" in flat
    assert "market.awareness.ad_response=0.03" in flat and "([0, 1] probability)" in flat
    assert "market.customers.wtp_mean=1.6 mean willingness to pay ((0, 100]" in flat
    assert "market.network.kind=small_world" in flat and "scale_free | random" in flat
    assert "now: pc_a=0.6 pc_b=0.6 cc_a=0.6 cc_b=0.6" in flat  # firms.NAME.markup per firm


def test_keys_are_grouped(helps):
    text = helps["default"].stdout
    headers = [line.split(" — ")[0] for line in text.splitlines()
               if line and not line.startswith(" ") and " — " in line]
    for group in ("market", "market.network", "market.customers", "market.categories.NAME",
                  "market.awareness", "market.choice", "market.experience", "market.churn",
                  "market.economics", "firms.NAME", "output"):
        assert group in headers, (group, headers)


def test_every_preset_of_every_group_is_listed(helps):
    text = helps["default"].stdout
    for group in ("market", "firms", "scenario"):
        block = text.split(f"  {group}=\n", 1)[1].split("\n  ", 1)[0]
        for preset in sorted(p.stem for p in (conf_dir() / group).glob("*.yaml")):
            assert re.search(rf"^    [ *] {preset}\b", text, re.M), (group, preset)
        assert block  # the group has its own block
    assert re.search(r"^    \* experience_economy\b", text, re.M)  # the default is marked
    assert re.search(r"^      bass\s+Docking with the Bass", text, re.M)
    assert "hydra/launcher=" in text and re.search(r"^    \* joblib", text, re.M)


def test_preset_descriptions_are_never_cut_off(helps):
    """Each preset's whole first sentence, wrapped, never ended with '…' (issue 29)."""
    from sim.config_help import preset_description

    text = helps["default"].stdout
    presets = text.split("\npresets", 1)[1].split("\nkeys", 1)[0]
    assert "…" not in presets
    flat = _flat(presets)
    for group in ("market", "firms", "scenario"):
        for path in sorted((conf_dir() / group).glob("*.yaml")):
            description = preset_description(path)
            assert description.endswith((".", ")")), (path.name, description)
            assert description in flat, (path.name, description)
    # an abbreviation or an initial inside brackets does not end the sentence
    assert preset_description(conf_dir() / "scenario" / "bass.yaml").endswith("last step.")


def test_help_shows_the_values_of_its_command_line(helps):
    done = helps["bass"]
    assert done.returncode == 0, done.stderr
    assert re.search(r"^    \* bass\b", done.stdout, re.M)
    assert re.search(r"^    \* single\b", done.stdout, re.M)  # bass chooses firms=single
    assert "name=bass" in done.stdout
    assert "market.network.kind=fully_mixed" in done.stdout
    assert "market.n_customers=2000" in done.stdout
    assert FirmConfig.__doc__.splitlines()[0] in done.stdout


def test_hydra_cfg_job_still_passes_through(helps):
    done = helps["cfg"]
    assert done.returncode == 0, done.stderr
    assert "seed: 5" in done.stdout and "market:" in done.stdout


def test_top_level_help_quotes_range_sweeps(helps):
    done = helps["top"]
    assert done.returncode == 0
    assert "'seed=range(0,5)'" in done.stdout
    assert re.search(r"[^']seed=range", done.stdout) is None


@pytest.mark.parametrize("args", [
    ["run", "--help"], ["--help"],
    ["run", "market=small", "market.n_customers=300", "market.steps=3", "hydra.run.dir=r"],
])
def test_output_into_a_closed_pipe_ends_quietly(tmp_path, cli, args):
    # the reader is gone before ccsim writes (as `| head -1` once it has its line): the first
    # write fails with EPIPE every time, so this is deterministic
    read_end, write_end = os.pipe()
    os.close(read_end)
    proc = subprocess.Popen([cli.script(), *args], cwd=tmp_path, env=cli.env(),
                            stdin=subprocess.DEVNULL, stdout=write_end, stderr=subprocess.PIPE,
                            text=True)
    os.close(write_end)
    _, err = proc.communicate(timeout=300)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err
    assert err == ""
    assert proc.returncode == 141  # as a Unix tool killed by SIGPIPE
    if "hydra.run.dir=r" in args:  # the run itself is complete; only its table went nowhere
        assert (tmp_path / "r" / "summary.json").is_file()


def test_help_key_list_covers_the_schema():
    # the test's own walk must see what the schema declares (guards the test above)
    names = {key for key, _, _ in _leaf_keys(Config(firms={"a": FirmConfig()}))}
    assert {"seed", "name", "market.n_customers", "firms.NAME.markup", "output.spells"} <= names


def test_help_lists_presets_of_a_config_dir(tmp_path, cli):
    mine = tmp_path / "presets" / "scenario"
    mine.mkdir(parents=True)
    (mine / "mine.yaml").write_text("# @package _global_\n# My own scenario: seven months.\n"
                                    "name: mine\nmarket:\n  steps: 7\n")
    done = cli.run(["run", "--help", "--config-dir", "presets", "scenario=mine"], cwd=tmp_path,
                   script=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^    \* mine\s+My own scenario: seven months\.", done.stdout, re.M)
    assert "market.steps=7 " in done.stdout
