"""Unit tests of configuration checking: ``sim.config.validate`` and ``sim.configure``.

Every rule in ``validate`` gets a failing case (and, where there is a boundary, the accepted
value next to it); the Hydra layer (``load_config``, ``check_overrides``) is checked for unknown
keys, unknown presets, wrong types and values inside sweeps, ``check_launch`` for Hydra's own
settings (launcher, output folder). Messages must name the key and the value.
"""

from __future__ import annotations

import math

import pytest

from sim.config import (
    MAX_FIRMS,
    CategoryConfig,
    Config,
    ConfigError,
    FirmConfig,
    NetworkKind,
    validate,
)
from sim.configure import check_overrides, load_config
from sim.model import MarketModel


def base(**firms: FirmConfig) -> Config:
    """A valid config (schema defaults) with two firms unless others are given."""
    return Config(firms=firms or {"a": FirmConfig(), "b": FirmConfig(strategy="customer_centric")})


def put(cfg: Config, path: str, value) -> Config:
    """Set a dotted attribute / dict-entry path on a Config object."""
    *parents, leaf = path.split(".")
    obj = cfg
    for p in parents:
        obj = obj[p] if isinstance(obj, dict) else getattr(obj, p)
    if isinstance(obj, dict):
        obj[leaf] = value
    else:
        setattr(obj, leaf, value)
    return cfg


# ----------------------------------------------------------------------------------------------
# ranges


@pytest.mark.parametrize("path, value", [
    ("seed", -1),
    ("market.n_customers", 0),
    ("market.n_customers", -5),
    ("market.steps", 0),
    ("market.steps_per_year", 0),
    ("market.network.mean_degree", 1),
    ("market.network.homophily", 1.5),
    ("market.network.rewire_prob", -0.1),
    ("market.customers.n_personas", 65),
    ("market.customers.wtp_mean", 0.0),  # open lower bound
    ("market.categories.core.occasion_prob", 2.0),  # inside a dict of categories
    ("market.categories.complement.ref_price", 0.0),
    ("market.awareness.ad_response", 1.5),
    ("market.awareness.ad_response", -0.01),
    ("market.awareness.ad_fatigue", 1.01),
    ("market.choice.fit_width", 0.0),
    ("market.choice.outside_utility", 2e9),
    ("market.experience.promoter_threshold", 12.0),
    ("market.churn.base", 1.2),
    ("market.economics.discount_rate", 0.0),
    ("firms.a.markup", -1.0),
    ("firms.a.mix", 1.1),
    ("firms.b.budget_rate", -0.5),
    ("firms.a.exploration", 0.0),
    ("firms.a.review_every", 0),
])
def test_out_of_range_values_are_rejected(path, value):
    with pytest.raises(ConfigError, match="out of range") as err:
        validate(put(base(), path, value))
    assert str(err.value).startswith(f"{path}={value}")


@pytest.mark.parametrize("path, value", [
    ("market.choice.outside_utility", math.nan),
    ("market.choice.beta_fit", math.inf),
    ("firms.a.markup", -math.inf),
])
def test_non_finite_values_are_rejected(path, value):
    with pytest.raises(ConfigError, match="finite") as err:
        validate(put(base(), path, value))
    assert str(err.value).startswith(path)


@pytest.mark.parametrize("path, value", [
    ("seed", 0),
    ("seed", 2**63 - 1),
    ("market.n_customers", 11),
    ("market.awareness.ad_response", 0.0),
    ("market.awareness.ad_response", 1.0),
    ("market.customers.wtp_mean", 1e-9),
    ("market.economics.discount_rate", 1e-9),
    ("market.choice.outside_utility", -1e9),
    ("firms.a.markup", -0.99),
    ("market.network.homophily", 1.0),
])
def test_boundary_values_are_accepted(path, value):
    cfg = validate(put(base(), path, value))
    assert isinstance(cfg, Config)


# ----------------------------------------------------------------------------------------------
# strategies and shares


def test_unknown_strategy_with_a_hint():
    with pytest.raises(ConfigError) as err:
        validate(base(a=FirmConfig(strategy="custmer_centric")))
    msg = str(err.value)
    assert msg.startswith("firms.a.strategy='custmer_centric'")
    assert "unknown strategy" in msg and "did you mean 'customer_centric'" in msg


def test_unknown_strategy_lists_the_allowed_ones():
    with pytest.raises(ConfigError, match="allowed: .*product_centric.*customer_centric.*mix"):
        validate(base(a=FirmConfig(strategy="nope")))


@pytest.mark.parametrize("shares, match", [
    ({"rd": 0.5}, r"firms.a.shares: shares sum to 0.5, they must sum to 1"),
    ({"rd": 0.6, "advertising": 0.6}, r"sum to 1.2"),
    ({}, r"sum to 0"),
    ({"rd": 1.5, "advertising": -0.5}, r"firms.a.shares.rd=1.5: a share must be in \[0, 1\]"),
    ({"rd": 0.5, "marketing": 0.5}, r"unknown lever 'marketing'"),
])
def test_custom_shares_are_checked(shares, match):
    with pytest.raises(ConfigError, match=match):
        validate(base(a=FirmConfig(strategy="custom", shares=shares)))


def test_custom_shares_summing_to_one_up_to_rounding_are_accepted():
    # a total off by 1e-9, as decimal shares written on a command line can be
    shares = {"rd": 0.3, "advertising": 0.7 + 1e-9}
    assert sum(shares.values()) != 1.0
    validate(base(a=FirmConfig(strategy="custom", shares=shares)))


@pytest.mark.parametrize("strategy", ["product_centric", "customer_centric", "mix"])
def test_shares_with_a_non_custom_strategy_are_rejected(strategy):
    with pytest.raises(ConfigError, match=f"firms.a.shares is set but strategy='{strategy}'"):
        validate(base(a=FirmConfig(strategy=strategy, shares={"rd": 1.0})))


# ----------------------------------------------------------------------------------------------
# firms, categories, thresholds, network


def test_no_firms():
    with pytest.raises(ConfigError, match="firms: no firms configured"):
        validate(Config(firms={}))


def test_at_most_max_firms():
    validate(Config(firms={f"f{k}": FirmConfig() for k in range(MAX_FIRMS)}))
    with pytest.raises(ConfigError, match=f"{MAX_FIRMS + 1} firms; at most {MAX_FIRMS}"):
        validate(Config(firms={f"f{k}": FirmConfig() for k in range(MAX_FIRMS + 1)}))


def test_categories_between_one_and_eight():
    cfg = base()
    cfg.market.categories = {}
    with pytest.raises(ConfigError, match="market.categories: at least one"):
        validate(cfg)
    cfg.market.categories = {f"c{k}": CategoryConfig() for k in range(8)}
    validate(cfg)
    cfg.market.categories["c8"] = CategoryConfig()
    with pytest.raises(ConfigError, match="at most 8 categories"):
        validate(cfg)


@pytest.mark.parametrize("detractor, promoter", [(8.0, 8.0), (9.0, 8.0)])
def test_detractor_threshold_must_be_below_promoter(detractor, promoter):
    cfg = base()
    cfg.market.experience.detractor_threshold = detractor
    cfg.market.experience.promoter_threshold = promoter
    with pytest.raises(ConfigError,
                       match=f"market.experience.detractor_threshold={detractor}: must be below"):
        validate(cfg)
    cfg.market.experience.detractor_threshold = promoter - 0.5
    validate(cfg)


def test_homophily_is_rejected_on_scale_free_only():
    cfg = base()
    cfg.market.network.kind = NetworkKind.scale_free
    cfg.market.network.homophily = 0.3
    with pytest.raises(ConfigError, match="market.network.homophily=0.3: .*not scale_free"):
        validate(cfg)
    cfg.market.network.homophily = 0.0
    validate(cfg)
    for kind in (NetworkKind.small_world, NetworkKind.random):
        cfg.market.network.kind = kind
        cfg.market.network.homophily = 0.3
        validate(cfg)


def test_mean_degree_must_be_below_market_size():
    cfg = base()
    cfg.market.n_customers = 10
    cfg.market.network.mean_degree = 10
    with pytest.raises(ConfigError, match="mean_degree=10: must be below market.n_customers=10"):
        validate(cfg)
    cfg.market.network.kind = NetworkKind.fully_mixed  # no edges: any degree is moot
    validate(cfg)
    cfg.market.network.kind = NetworkKind.small_world
    cfg.market.network.mean_degree = 9
    validate(cfg)


def test_the_model_validates_its_config():
    cfg = put(base(), "market.awareness.ad_response", 1.5)
    with pytest.raises(ConfigError, match="ad_response=1.5"):
        MarketModel(cfg)


# ----------------------------------------------------------------------------------------------
# the Hydra layer


def test_load_config_returns_validated_objects():
    cfg = load_config(["market=small", "scenario=subscription", "firms.cc_a.markup=0.4"])
    assert isinstance(cfg, Config)
    assert all(isinstance(f, FirmConfig) for f in cfg.firms.values())
    assert cfg.market.n_customers == 2000
    assert cfg.market.categories["core"].renewal_prob == 1.0  # from the scenario
    assert cfg.firms["cc_a"].markup == 0.4 and cfg.firms["cc_b"].markup == 0.6
    assert isinstance(cfg.market.network.kind, NetworkKind)


@pytest.mark.parametrize("overrides, needles", [
    (["market.n_customers=-5"], ["market.n_customers=-5", "out of range"]),
    (["market.awareness.ad_response=1.5"], ["market.awareness.ad_response=1.5"]),
    (["firms.pc_a.strategy=nope"], ["firms.pc_a.strategy='nope'", "unknown strategy"]),
    (["market.network.kind=ring"], ["market.network.kind", "ring", "small_world"]),
    (["market.n_custmers=5"], ["market.n_custmers", "did you mean market.n_customers"]),
    (["+market.colour=5"], ["market.colour", "unknown key"]),
    (["scenario=nope"], ["scenario=nope", "experience_economy", "subscription"]),
    (["firms=nope"], ["firms=nope", "two_vs_two"]),
    (["seed=abc"], ["seed=abc"]),
    (["market.network.kind=scale_free", "market.network.homophily=0.5"],
     ["market.network.homophily=0.5"]),
    (["firms.pc_a.strategy=custom", "+firms.pc_a.shares={rd:0.5}"],
     ["firms.pc_a.shares", "sum to 0.5"]),
    (["+firms.pc_a.shares={rd:1.0}"], ["firms.pc_a.shares is set but strategy='product_centric'"]),
])
def test_load_config_errors_name_key_and_value(overrides, needles):
    with pytest.raises(ConfigError) as err:
        load_config(overrides)
    msg = str(err.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg


def test_custom_shares_from_overrides():
    cfg = load_config(["firms.pc_a.strategy=custom",
                       "+firms.pc_a.shares={rd:0.25,advertising:0.75}"])
    assert cfg.firms["pc_a"].shares == {"rd": 0.25, "advertising": 0.75}


def test_setting_shares_without_plus_works_or_says_how():
    # regression: the message used to call the valid lever 'rd' an unknown key, dropping
    # Hydra's hint that a new dict entry needs '+'
    overrides = ["firms.pc_a.strategy=custom", "firms.pc_a.shares={rd:1.0}"]
    try:
        cfg = load_config(overrides)
    except ConfigError as exc:
        assert "+firms.pc_a.shares" in str(exc)  # tell the user the syntax that works
    else:
        assert cfg.firms["pc_a"].shares == {"rd": 1.0}


def test_check_overrides_checks_every_swept_value():
    check_overrides(["seed=1,2", "market.n_customers=500,800"], multirun=True)
    with pytest.raises(ConfigError, match=r"market.n_customers=-3: out of range"):
        check_overrides(["seed=1,2", "market.n_customers=500,-3"], multirun=True)
    with pytest.raises(ConfigError, match=r"ad_response=1.5"):
        check_overrides(["market.awareness.ad_response=0.1,0.2,1.5"], multirun=True)
    with pytest.raises(ConfigError, match=r"scenario=nope"):
        check_overrides(["scenario=subscription,nope"], multirun=True)


def test_check_overrides_ignores_hydra_keys():
    check_overrides(["hydra.run.dir=/tmp/x", "seed=4"])


@pytest.mark.parametrize("overrides", [["seed=1"], []])
def test_multirun_without_a_sweep_is_valid(overrides):
    # regression: a trailing `del k` raised UnboundLocalError when no override was a sweep
    check_overrides(overrides, multirun=True)


# ----------------------------------------------------------------------------------------------
# names, override syntax and Hydra's own settings (issue 11)
# (sim.configure's launch checks are imported where used: the import block above stays as is)


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", "", "  ", "a\\b"])
def test_name_is_a_label_not_a_path(name):
    cfg = base()
    cfg.name = name
    with pytest.raises(ConfigError, match="a name is a label") as err:
        validate(cfg)
    assert str(err.value).startswith(f"name={name}:")


@pytest.mark.parametrize("name", ["run", "experience_economy", "my run 2", "v1.2"])
def test_plain_names_pass(name):
    cfg = base()
    cfg.name = name
    validate(cfg)


@pytest.mark.parametrize("line, needles", [
    ("market.steps=[1,2", ["market.steps=[1,2:", "KEY=VALUE"]),
    ("=5", ["=5:", "no key"]),
    ("seed", ["seed:", "KEY=VALUE"]),
    ("a=b=c", ["a=b=c:"]),
])
def test_syntax_errors_name_the_override(line, needles):
    with pytest.raises(ConfigError) as err:
        check_overrides(["seed=1", line])
    msg = str(err.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg


def test_check_overrides_returns_every_checked_config():
    configs = check_overrides(["seed=1,2,3", "market.n_customers=500,800"], multirun=True)
    assert [c.market.n_customers for c in configs] == [500, 500, 500, 800]
    assert [c.seed for c in configs] == [1, 2, 3, 1]


def test_check_launch_reads_the_output_folder_and_workers(tmp_path):
    from sim.configure import check_launch

    launch = check_launch([f"hydra.run.dir={tmp_path}/r", "seed=3"])
    assert launch.output_dir == tmp_path / "r" and launch.parallel == 1
    launch = check_launch([f"hydra.sweep.dir={tmp_path}/s", "hydra.launcher.n_jobs=3",
                           "seed=1,2,3,4"], multirun=True)
    assert launch.output_dir == tmp_path / "s" and launch.parallel == 3
    # never more at once than the sweep has jobs (the memory check multiplies by this)
    assert check_launch(["hydra.launcher.n_jobs=8", "seed=1,2"], multirun=True).parallel == 2
    assert not any(tmp_path.iterdir())  # checking writes nothing


@pytest.mark.parametrize("overrides, multirun, needles", [
    (["hydra/launcher=nope"], False, ["hydra/launcher=nope", "no such launcher", "joblib"]),
    (["hydra.launcher.n_jobs=abc"], True, ["hydra.launcher.n_jobs=abc", "not an integer"]),
    (["hydra.launcher.n_jobs=0"], True, ["hydra.launcher.n_jobs=0"]),
    (["hydra.run.dir="], False, ["hydra.run.dir=:", "empty"]),
    (["hydra.run.dir=FILE"], False, ["hydra.run.dir=FILE", "not a folder"]),
    (["hydra.sweep.dir=FILE/sub"], True, ["hydra.sweep.dir=FILE/sub", "is a file"]),
])
def test_check_launch_errors(tmp_path, overrides, multirun, needles):
    from sim.configure import check_launch

    afile = tmp_path / "afile"
    afile.write_text("x")
    overrides = [o.replace("FILE", str(afile)) for o in overrides]
    with pytest.raises(ConfigError) as err:
        check_launch(overrides, multirun=multirun)
    msg = str(err.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle.replace("FILE", str(afile)) in msg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


@pytest.mark.parametrize("overrides", [
    [], ["seed=3", "scenario=subscription", "market.n_customers=500"],
    ["firms=empowerment", "hydra/launcher=basic", "market.network.kind=fully_mixed"],
    ["hydra.job.chdir=false", "scenario=b2b", "market.network.homophily=0.6"],
])
def test_check_run_is_both_checks_in_one_composition(tmp_path, overrides):
    from sim.configure import check_launch, check_run

    overrides = [*overrides, f"hydra.run.dir={tmp_path}/r"]
    config, launch = check_run(overrides)
    assert config == check_overrides(overrides)[0]
    assert launch == check_launch(overrides)
    assert launch.output_dir == tmp_path / "r" and launch.parallel == 1 and launch.mode is None
    assert not any(tmp_path.iterdir())  # checking writes nothing


@pytest.mark.parametrize("overrides", [
    ["market.n_customers=-3"],  # the configuration's own check
    ["market.n_customers=-3", "hydra.run.dir="],  # both wrong: the configuration's first
    ["hydra.run.dir=", "seed=2"], ["hydra/launcher=nope"], ["hydra.run.dir=FILE/x"],
    ["scenario=nope", "hydra/launcher=nope"], ["seed=1,2"], ["seed=1", "market.steps=[1,2"],
    ["market.nope=1"], ["+hydra.nope=1"], ["hydra.run.dir=a,b"],
])
def test_check_run_fails_as_the_two_checks(tmp_path, overrides):
    from sim.configure import check_launch, check_run

    afile = tmp_path / "afile"
    afile.write_text("x")
    overrides = [o.replace("FILE", str(afile)) for o in overrides]
    try:
        check_overrides(overrides)
        check_launch(overrides)
    except ConfigError as exc:
        expected = str(exc)
    else:
        expected = None
    if expected is None:
        check_run(overrides)
    else:
        with pytest.raises(ConfigError) as err:
            check_run(overrides)
        assert str(err.value) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_folder_of_other_things_is_refused_an_earlier_run_is_not(tmp_path):
    from sim.configure import check_output_dir

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="already holds other files"):
        check_output_dir(str(tmp_path), f"hydra.run.dir={tmp_path}")
    # an earlier run (written before run markers: its summary.json): replaced by the new one
    (tmp_path / "summary.json").write_text('{"config_hash": "abc"}')
    check_output_dir(str(tmp_path), f"hydra.run.dir={tmp_path}")
    with pytest.raises(ConfigError, match="earlier sweep"):
        check_output_dir(str(tmp_path), f"hydra.sweep.dir={tmp_path}", "sweep")
    (tmp_path / "sweep.json").write_text("{}")  # an earlier sweep (before sweep markers)
    check_output_dir(str(tmp_path), f"hydra.sweep.dir={tmp_path}", "sweep")
    check_output_dir(str(tmp_path / "new"), "hydra.run.dir=new")
    assert not (tmp_path / "new").exists()


def test_unwritable_output_folder_is_refused(tmp_path):
    import os

    from sim.configure import check_output_dir

    if os.geteuid() == 0:
        target = "/sys/ccsim-test/run"  # root may write anywhere but here
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        target = str(ro / "run")
    with pytest.raises(ConfigError, match="cannot write in"):
        check_output_dir(target, f"hydra.run.dir={target}")


def test_config_dir_adds_presets(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "mine.yaml").write_text(
        "# @package _global_\nname: mine\nmarket:\n  steps: 7\n")
    (cfg,) = check_overrides(["scenario=mine"], config_dir=str(tmp_path))
    assert cfg.name == "mine" and cfg.market.steps == 7
    with pytest.raises(ConfigError, match="scenario=nope: no such scenario preset.*mine"):
        check_overrides(["scenario=nope"], config_dir=str(tmp_path))


def test_swept_plain_keys_give_the_same_configs_as_composing_each(monkeypatch):
    # swept plain keys are set on a copy of the validated base (sim.sweep_plan.Composer) instead
    # of composing again: same result
    overrides = ["seed=1,2", "market.n_customers=500,800", "firms.cc_a.markup=0.4,0.9",
                 "market.network.kind=small_world,scale_free",
                 "scenario=subscription,product_aware_economy"]
    fast = check_overrides(overrides, multirun=True)
    from sim.sweep_plan import Composer

    monkeypatch.setattr(Composer, "_quick", lambda self, overrides: None)  # always compose
    monkeypatch.setattr(Composer, "_shared", None)  # nothing kept from the fast pass
    slow = check_overrides(overrides, multirun=True)
    assert fast == slow and len(fast) == 6


def test_hydra_asks_for_its_mode_again_after_a_run():
    from hydra._internal.hydra import Hydra

    from sim.cli import _mode_known
    from sim.configure import Launch

    real = Hydra.get_mode
    with _mode_known(Launch(output_dir=None, parallel=1, mode=None)):
        assert Hydra.get_mode is not real
        assert Hydra.get_mode(object(), config_name="config", overrides=[]) is None
    assert Hydra.get_mode is real
    with _mode_known(None):  # a sweep, or a flag that only prints: Hydra's own
        assert Hydra.get_mode is real
