"""``sim.sweep_plan`` and ``sim.fingerprint`` without a sweep: plans, names, fast configs, hash."""

from __future__ import annotations

import dataclasses
import re

import pytest

from sim import sweep_plan
from sim.config import ConfigError
from sim.configure import conf_dir, load_config
from sim.fingerprint import DISPLAY_ONLY, config_hash


def test_jobs_are_hydras_and_globs_expand():
    assert sweep_plan.jobs(["seed=0,1", "market.steps=6"]) == [
        ["seed=0", "market.steps=6"], ["seed=1", "market.steps=6"]]
    presets = sorted(p.stem for p in (conf_dir() / "scenario").glob("*.yaml"))
    assert {"bass", "experience_economy", "subscription"} <= set(presets)
    jobs = sweep_plan.jobs(["scenario=glob(*)", "seed=range(0,2)"])
    assert len(jobs) == 2 * len(presets)
    assert {j[0] for j in jobs} == {f"scenario={p}" for p in presets}


@pytest.mark.parametrize("args, says", [
    (["seed=1,2", "seed=3"], "seed=3: seed is given twice"),
    (["seed=1", "seed=1"], "seed=1: seed is given twice"),
    (["seed=range(0,3)", "seed=2"], "seed=2: seed is given twice"),
    (["seed=1,1"], "seed=1,1: 1 listed more than once"),
    (["scenario=subscription,subscription"], "scenario=subscription,subscription: subscription"),
    (["seed=glob(*)"], "seed=glob(*): matches nothing; seed is not a config group"),
])
def test_what_hydra_would_merge_is_refused(args, says):
    with pytest.raises(ConfigError, match="^" + re.escape(says)):
        sweep_plan.jobs(args)


def test_short_names_keep_a_readable_prefix_and_differ():
    short = "market.steps=6,seed=1"
    assert sweep_plan.short_name(short) == short
    long_a = ",".join(f"market.some.long_key_{i}=0.1234567890123" for i in range(8)) + ",seed=0"
    long_b = long_a[:-1] + "1"
    a, b = sweep_plan.short_name(long_a), sweep_plan.short_name(long_b)
    assert a != b and len(a.encode()) <= 128 and len(b.encode()) <= 128
    assert a.startswith("market.some.long_key_0=0.1234567890123,")
    assert sweep_plan.short_name("name=a/b") == "name=a%2Fb"  # one folder per job


def test_job_dirname_is_hydras_override_dirname():
    assert sweep_plan.job_dirname(["seed=1", "market.steps=6", "scenario=bass"]) == (
        "market.steps=6,scenario=bass,seed=1")
    assert sweep_plan.job_dirname(["seed=1", "output.progress=false"],
                                  exclude_keys=["output.progress"]) == "seed=1"


def test_composer_equals_composing_each_job():
    composer = sweep_plan.Composer()
    for job in (["scenario=subscription", "seed=4", "market.steps=6"],
                ["scenario=subscription", "seed=5", "market=small"],
                ["seed=6", "firms=single", "++market.categories.core.occasion_prob=0.5"]):
        assert composer.config(job) == load_config(job)
    with pytest.raises(ConfigError, match="market.steps=-3"):
        composer.config(["market.steps=-3"])
    with pytest.raises(ConfigError, match="no such scenario preset"):
        composer.config(["scenario=nope"])


def test_hash_leaves_out_display_only_keys():
    base = load_config(["seed=3"])
    for dotted in DISPLAY_ONLY:
        section, key = dotted.split(".")
        shown = dataclasses.replace(base, **{section: dataclasses.replace(
            getattr(base, section), **{key: not getattr(getattr(base, section), key)})})
        assert config_hash(shown) == config_hash(base), dotted
    assert config_hash(load_config(["seed=4"])) != config_hash(base)
    assert config_hash(load_config(["seed=3", "output.spells=false"])) != config_hash(base)
    assert config_hash(load_config(["seed=3", "firms.cc_a.markup=0.5"])) != config_hash(base)


@pytest.mark.parametrize("job", [
    ["seed=39", "market.steps=6", "scenario=subscription"],
    ["firms.cc_a.markup=1", "market.network.kind=random", "seed=2"],  # int into a float, an enum
    ["market=small", "output.print_table=false", "market.customers.trait_sigma=0"],
    ["name=label", "firms=single"],
])
def test_quick_path_equals_composing(job):
    composer = sweep_plan.Composer()
    quick = composer._quick(job)
    assert quick is not None  # plain values: no Hydra compose per job
    assert quick == load_config(job)
    assert config_hash(quick) == config_hash(load_config(job))


def test_quick_path_leaves_errors_to_the_slow_path():
    composer = sweep_plan.Composer()
    for job in (["seed=-1"], ["market.stepz=1"], ["seed=abc"], ["+market.extra=1"]):
        assert composer._quick(job) is None, job
        with pytest.raises(ConfigError):
            composer.config(job)


@pytest.mark.parametrize("overrides", [[], ["scenario=bass"], ["firms=mix_ladder"],
                                       ["firms=incentives", "name=a b: c", "market=small"]])
def test_saved_config_yaml_is_omegaconfs_text(overrides):
    from omegaconf import OmegaConf

    from sim.runner import config_yaml

    cfg = load_config(overrides)
    assert config_yaml(cfg) == OmegaConf.to_yaml(OmegaConf.structured(cfg), resolve=True)
