"""`ccsim sensitivity`: the SALib problem (analysis), the config bridge and runs (studies)."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import sensitivity as sa
from sim.configure import load_config
from sim.runner import config_hash
from sim.studies import sensitivity as study


def _get(cfg, key):
    for part in key.split("."):
        cfg = getattr(cfg, part)
    return cfg


@pytest.mark.parametrize("param", sa.PARAMETERS, ids=lambda p: p.key)
def test_problem_keys_exist_and_bounds_are_valid(param):
    """Every sampled key is in the schema and both bounds pass validation."""
    assert param.low < param.high and param.rationale
    if param.key == sa.PRICING_KEY:  # categorical: each bound is one policy for every firm
        for bound, policy in ((param.low, "cost_plus"), (param.high, "value_based")):
            ov = sa.overrides_for([bound], [param])
            assert ov == [f"firms.{n}.pricing={policy}" for n in ("pc_a", "pc_b", "cc_a", "cc_b")]
            cfg = load_config(ov)
            assert {f.pricing for f in cfg.firms.values()} == {policy}
        return
    for bound in (param.low, param.high):
        value = int(round(bound)) if sa.is_integer(param.key) else float(bound)
        cfg = load_config([f"{param.key}={value}"])
        assert _get(cfg, param.key) == value


def test_problem_dict_and_integer_keys():
    """SALib's problem dict; only the network degree is an integer."""
    prob = sa.problem()
    assert prob["num_vars"] == len(prob["names"]) == len(prob["bounds"]) == len(sa.PARAMETERS)
    assert len(set(prob["names"])) == len(prob["names"])
    assert [p.key for p in sa.PARAMETERS if sa.is_integer(p.key)] == ["market.network.mean_degree"]


def test_with_values_equals_load_config_with_overrides():
    """Setting fields on the config object equals passing the overrides to Hydra."""
    x = sa.sample("morris", 2, seed=5)
    assert np.array_equal(x, sa.sample("morris", 2, seed=5))  # seeded
    base = ["market=small", "scenario=subscription"]
    row = x[3]
    values = sa.applied_values(x[3:4]).iloc[0].to_dict()
    via_object = study.with_values(load_config(base), values)
    via_hydra = load_config([*base, *sa.overrides_for(row)])
    assert config_hash(via_object) == config_hash(via_hydra)
    assert isinstance(via_object.market.network.mean_degree, int)


def test_sobol_sample_and_analyze_on_a_known_function():
    """Sobol indices of a function of the first input alone."""
    params = sa.PARAMETERS[:3]
    x = sa.sample("sobol", 64, seed=1, parameters=params)
    assert x.shape == (64 * (3 + 2), 3)
    lo = np.array([p.low for p in params])
    hi = np.array([p.high for p in params])
    u = (x - lo) / (hi - lo)  # on the unit cube: only the first input matters
    samples = pd.DataFrame({"growth_gap_points": u[:, 0],
                            "margin_gap_points": u[:, 0] + 0.1 * u[:, 1]})
    table = sa.analyze("sobol", x, samples, seed=1, parameters=params)
    assert list(table.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    g = table[table.output == "growth_gap_points"].set_index("parameter")
    assert g.loc[params[0].key, "ST"] == pytest.approx(1.0, abs=0.1)
    assert abs(g.loc[params[2].key, "ST"]) < 0.05
    with pytest.raises(ValueError, match="power of 2"):
        sa.sample("sobol", 10)


def test_quick_end_to_end(tmp_path, capsys):
    """`--quick` writes indices, samples, runs, problem and the figure."""
    out = tmp_path / "quick"
    assert study.main(["--quick", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "growth_gap_points" in printed and str(out / "indices.csv") in printed
    indices = pd.read_csv(out / "indices.csv")
    assert list(indices.columns) == ["output", "parameter", "mu", "mu_star", "mu_star_conf",
                                     "sigma"]
    assert len(indices) == 2 * len(sa.PARAMETERS)
    assert set(indices.output) == set(sa.OUTPUTS)
    assert np.isfinite(indices[["mu_star", "sigma"]]).all().all()
    samples = pd.read_parquet(out / "samples.parquet")
    assert len(samples) == (len(sa.PARAMETERS) + 1) * 2  # two trajectories
    assert (samples["n_ok"] == 1).all()
    assert samples["market.network.mean_degree"].dtype.kind == "i"
    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs["seed"]) == {0} and len(runs) == len(samples)
    regions = pd.read_csv(out / "regions.csv")
    assert len(regions) == 2 * len(sa.PARAMETERS) * 3  # outputs × parameters × thirds
    assert regions.groupby(["output", "parameter"])["points"].sum().le(len(samples)).all()
    assert "reversed (< 0) at" in printed
    for name in ("indices.png", "indices.pdf", "problem.json"):
        assert (out / name).stat().st_size > 1000
    problem = pd.read_json(out / "problem.json", typ="series")
    assert problem["settings"]["n"] == 2 and problem["settings"]["salib_seed"] == 0


def test_sobol_on_chosen_parameters(tmp_path, capsys):
    """`--params` samples only the named parameters; the others stay at their configured values
    and may be overridden."""
    out = tmp_path / "sobol"
    keys = ["market.choice.beta_fit", "market.churn.sensitivity"]
    assert study.main(["--quick", "--method", "sobol", "--out", str(out), "--no-progress",
                       "--params", ",".join(reversed(keys)),
                       "market.choice.switching_cost=1"]) == 0
    capsys.readouterr()
    indices = pd.read_csv(out / "indices.csv")
    assert sorted(set(indices["parameter"])) == sorted(keys)
    samples = pd.read_parquet(out / "samples.parquet")
    assert len(samples) == 4 * (len(keys) + 2)  # Saltelli, no second order, N = 4
    assert [c for c in samples.columns if c.startswith("market.")] == keys  # PARAMETERS order


def test_bad_arguments_exit_2(tmp_path, capsys):
    """Bad overrides and options: exit 2, one line, nothing written."""
    cases = [
        ["--quick", "--out", str(tmp_path), "market.n_customers=-5"],
        ["--quick", "--out", str(tmp_path), "market.choice.switching_cost=1"],  # sampled key
        ["--method", "sobol", "--n", "10", "--out", str(tmp_path)],
        ["--method", "fast"],
        ["--seeds", "0", "--out", str(tmp_path)],
        ["--quick", "--out", str(tmp_path), "--params", "market.choice.beta_fit,nope"],
        ["--quick", "--out", str(tmp_path), "--params", "market.choice.beta_fit"],
    ]
    for argv in cases:
        assert study.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("ccsim: error: ") and err.count("\n") == 1, (argv, err)
    assert not any(tmp_path.iterdir())  # nothing written


def test_settings_from_args_quick_defaults():
    """`--quick` changes the defaults; overrides go after the base."""
    args = study.build_parser().parse_args(["--quick", "--method", "sobol",
                                            "scenario=subscription"])
    s = study.settings_from_args(args)
    assert (s.n, s.seeds) == (4, 1)
    assert s.overrides[-1] == "scenario=subscription"
    assert dataclasses.asdict(s)["method"] == "sobol"


def test_default_output_is_a_new_timestamped_folder(tmp_path, monkeypatch):
    """Without --out a new folder is made; committed results are never the default target."""
    monkeypatch.chdir(tmp_path)
    t = 1_800_000_000.0
    first = study.default_out("morris", now=t)
    assert first.parent == Path("results/sensitivity") and first.name.startswith("morris_")
    assert first != Path("results/sensitivity/morris")
    first.mkdir(parents=True)
    second = study.default_out("morris", now=t)  # same second: a suffix, not the same folder
    assert second != first and second.name == first.name + "-2"
    quick = study.default_out("sobol", quick=True, now=t)
    assert quick.parent == Path("results/tmp/sensitivity") and quick.name.startswith("sobol_quick_")


def test_cli_without_out_leaves_saved_results_alone(tmp_path, cli):
    """`ccsim sensitivity --quick` (no --out) writes a new folder, not over a saved analysis."""
    saved = tmp_path / "results" / "tmp" / "sensitivity" / "morris_quick"
    saved.mkdir(parents=True)
    (saved / "indices.csv").write_text("kept\n")
    committed = tmp_path / "results" / "sensitivity" / "morris"
    committed.mkdir(parents=True)
    (committed / "indices.csv").write_text("kept\n")
    done = cli.run(["sensitivity", "--quick", "--no-progress", "--jobs", "1"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (saved / "indices.csv").read_text() == "kept\n"
    assert (committed / "indices.csv").read_text() == "kept\n"
    new = [p for p in saved.parent.iterdir() if p != saved]
    assert len(new) == 1 and new[0].name.startswith("morris_quick_")
    assert (new[0] / "indices.csv").is_file() and str(new[0].name) in done.stdout


def test_analysis_layer_never_runs_the_model():
    """sim.analysis.sensitivity imports no runner, model or joblib; the study does the runs."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(sa))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert not {m for m in imported if m.lstrip(".") in ("runner", "model", "joblib")}
    assert not hasattr(sa, "evaluate") and hasattr(study, "evaluate")
